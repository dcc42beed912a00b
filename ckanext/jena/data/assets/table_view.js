/* The table view (datatables_view) under the portal's Content-Security-Policy, which admits no
   inline script: the template hands over the data dictionary and the view's id as data attributes
   of the table instead of an inline <script>, and the refit button gets its handler here instead
   of an onclick attribute. datatablesview.js reads the globals when its module starts (on DOM
   ready), after this file has run. */
(function () {
  // datatablesview.js (CKAN 2.11.6) calls setTimeout(initFilterObserver(), 100) when a German
  // language file has loaded: the handler is undefined, which the browser evaluates as a string
  // and the policy (no 'unsafe-eval') reports. A string handler can never run here, so it is
  // dropped before the browser sees it.
  var setTimeoutOfBrowser = window.setTimeout;
  window.setTimeout = function (handler) {
    if (typeof handler !== 'function') {
      return 0;
    }
    return setTimeoutOfBrowser.apply(window, arguments);
  };
  var table = document.getElementById('dtprv');
  window.gdataDict = table ? JSON.parse(table.getAttribute('data-dictionary') || '[]') : [];
  window.gresviewId = table ? table.getAttribute('data-resource-view-id') : '';
  // the column filters datatablesview.js draws have no label (axe: label); they get the column's
  // name, after every draw (DataTables copies the header row into its scrolling parts)
  function labelColumnFilters() {
    var words = table ? table.getAttribute('data-filter-label') : '';
    document.querySelectorAll('input.fhead').forEach(function (input) {
      var position = parseInt((input.id || '').split('-').pop(), 10);
      var column = window.gdataDict[position];
      if (column && !input.hasAttribute('aria-label')) {
        input.setAttribute('aria-label', words + ': ' + ((column.info && column.info.label) || column.id));
      }
    });
  }
  // dataTables.scrollResize.js watches the table's size with an empty frame (about:blank): it
  // holds nothing to read, so it leaves the tab order and the accessibility tree (axe: frame-title)
  function hideResizeFrame() {
    document.querySelectorAll('#resize_wrapper iframe[src="about:blank"]').forEach(function (frame) {
      frame.setAttribute('tabindex', '-1');
      frame.setAttribute('aria-hidden', 'true');
    });
  }
  // KeyTable (arrow keys through the cells) puts an unlabelled text field into the first cell
  // to catch Tab (axe: label); it says what it is for
  function labelKeyboardField() {
    var words = table ? table.getAttribute('data-cells-label') : '';
    document.querySelectorAll('#resize_wrapper td input[type=text]').forEach(function (input) {
      if (!input.hasAttribute('aria-label')) {
        input.setAttribute('aria-label', words);
      }
    });
  }
  // DataTables draws and copies these parts again and again: label them whenever they change
  var wrapper = document.getElementById('resize_wrapper');
  if (wrapper && window.MutationObserver) {
    new MutationObserver(function () {
      labelColumnFilters();
      hideResizeFrame();
      labelKeyboardField();
    }).observe(wrapper, {childList: true, subtree: true});
  }
  var refit = document.getElementById('refit-button');
  if (refit) {
    refit.addEventListener('click', function () { window.fitColText(); });
  }
})();
