/* Ticking a measure ticks its action field, and unticking a field unticks its measures:
 * a measure always belongs to its field. */
this.ckan.module('jena-action-fields', function ($) {
  return {
    initialize: function () {
      var $el = this.el;
      $el.on('change', 'input[data-measure-of]', function () {
        if (this.checked) {
          $el.find('input[data-field="' + $(this).data('measure-of') + '"]').prop('checked', true);
        }
      });
      $el.on('change', 'input[data-field]', function () {
        if (!this.checked) {
          $el.find('input[data-measure-of="' + $(this).data('field') + '"]').prop('checked', false);
        }
      });
    }
  };
});
