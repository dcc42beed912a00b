/* The action-field checkboxes of the dataset form.
 * - Ticking a measure ticks its action field; unticking a field unticks its measures
 *   (a measure always belongs to its field).
 * - While the title and keywords are typed, suggestions from the taxonomy's mapping tables
 *   (API action jena_action_field_suggest) are marked; they count only once ticked. */
this.ckan.module('jena-action-fields', function ($) {
  return {
    options: {badge: 'Suggestion', suggestUrl: null},
    initialize: function () {
      var $el = this.el, self = this;
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
      if (this.options.suggestUrl) {
        var timer = null;
        $('#field-title, #field-tag_string, #field-sensor_category').on('change keyup', function () {
          clearTimeout(timer);
          timer = setTimeout(function () { self._suggest(); }, 600);
        });
      }
    },
    _suggest: function () {
      var $el = this.el, badge = this.options.badge;
      $.getJSON(this.options.suggestUrl, {
        title: $('#field-title').val() || '',
        tag_string: $('#field-tag_string').val() || '',
        sensor_category: $('#field-sensor_category').val() || ''
      }).done(function (response) {
        $el.find('.jena-live-suggestion').remove();
        $.each(response.result || [], function (i, s) {
          var $label = $el.find('label[for="field-action-fields-' + s.id + '"]');
          if ($label.find('.jena-badge-suggestion').length === 0) {
            $('<span class="badge jena-badge-suggestion jena-live-suggestion"></span>').text(badge).appendTo($label);
          }
        });
      });
    }
  };
});
