/* CKAN 2.12 draws multi-value fields (tags, districts, action fields) with Select2 4, whose
 * multi-select box (role="combobox") and its search field have no accessible name: a screen
 * reader announced an unnamed combo box and axe reports aria-input-field-name. This names both
 * after the field's own <label>. CKAN 2.11's Select2 3 is left as it is (it labels itself).
 * Runs after CKAN's modules have drawn the widgets, and again whenever a widget is drawn later
 * (htmx partials, the officer opening a form part). No inline script: allowed by the CSP. */
(function () {
  function labelFor(select) {
    if (!select.id) { return null; }
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) { return null; }
    if (!label.id) { label.id = select.id + '-jena-label'; }
    return label;
  }

  function name(root) {
    var boxes = (root || document).querySelectorAll('.select2-container .select2-selection--multiple');
    Array.prototype.forEach.call(boxes, function (box) {
      var container = box.closest('.select2-container');
      var select = container && container.previousElementSibling;
      if (!select || select.tagName !== 'SELECT' && select.tagName !== 'INPUT') { return; }
      var label = labelFor(select);
      if (!label) { return; }
      if (!box.getAttribute('aria-labelledby')) { box.setAttribute('aria-labelledby', label.id); }
      var field = container.querySelector('.select2-search__field');
      if (field && !field.getAttribute('aria-labelledby')) { field.setAttribute('aria-labelledby', label.id); }
    });
  }

  function start() {
    name(document);
    new MutationObserver(function () { name(document); })
      .observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
