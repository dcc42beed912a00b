"""The configuration reference (docs/configuration.md) says what the declarations say."""
import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "config_docs.py")


def test_the_configuration_reference_is_generated_from_the_current_declarations():
    result = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
