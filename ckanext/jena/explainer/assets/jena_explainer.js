/* Live readability in the explainer editor: after a pause in typing, the section's text is
 * scored by the server (jena_explainer_readability, the same textstat the page uses) and
 * long words and sentences are marked. Without JavaScript the "Check readability" button does
 * the same with a page reload. */
this.ckan.module('jena-readability', function ($) {
  'use strict';
  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
  return {
    initialize: function () {
      var module = this;
      this.lang = this.options.lang || 'de';
      this.timers = {};
      this.el.find('textarea[data-section]').each(function () {
        var area = $(this);
        area.on('input', function () {
          var key = area.data('section');
          clearTimeout(module.timers[key]);
          module.timers[key] = setTimeout(function () { module.score(area); }, 600);
        });
      });
    },
    score: function (area) {
      var module = this;
      var text = area.val();
      this.sandbox.client.call('POST', 'jena_explainer_readability', {text: text, lang: this.lang},
        function (data) { module.show(area, data.result); });
    },
    show: function (area, score) {
      var box = $('#score-' + area.data('section'));
      var _ = this._;
      var html;
      if (score.flesch === null) {
        html = '<p class="jena-readability-figures">' + escapeHtml(_('No text yet.')) + '</p>';
      } else {
        var fleschOk = score.flesch >= score.flesch_target;
        html = '<p class="jena-readability-figures"><span class="jena-readability-' + (fleschOk ? 'ok' : 'warn') + '">' +
          escapeHtml(_('Flesch reading ease: %(value)s (aim: at least %(target)s)', {value: score.flesch, target: score.flesch_target})) + '</span>';
        if (score.wstf !== null) {
          var wstfOk = score.wstf <= score.wstf_target;
          html += ' · <span class="jena-readability-' + (wstfOk ? 'ok' : 'warn') + '">' +
            escapeHtml(_('Wiener Sachtextformel: %(value)s (aim: at most %(target)s)', {value: score.wstf, target: score.wstf_target})) + '</span>';
        }
        html += '</p>';
        var marked = escapeHtml(area.val().replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`#>]/g, ''));
        (score.long_words || []).slice().sort(function (a, b) { return b.length - a.length; }).forEach(function (word) {
          var safe = escapeRegExp(escapeHtml(word));
          marked = marked.replace(new RegExp('(^|[^\\wÄÖÜäöüß])(' + safe + ')(?=$|[^\\wÄÖÜäöüß])', 'g'),
                                  '$1<mark class="jena-long-word">$2</mark>');
        });
        if ((score.long_words || []).length || (score.long_sentences || []).length) {
          html += '<p class="jena-readability-highlight">' + marked + '</p>';
          if ((score.long_sentences || []).length) {
            html += '<p class="jena-readability-warn">' + escapeHtml(_('Long sentences: %(count)s', {count: score.long_sentences.length})) + '</p>';
          }
        }
      }
      box.html(html);
    }
  };
});

this.ckan.module('jena-print', function ($) {
  'use strict';
  return { initialize: function () { this.el.on('click', function () { window.print(); }); } };
});
