// The admin's CSV export page (django-import-export): "Select all" ticks or clears every
// field. The library binds it with an inline onchange attribute, which the
// Content-Security-Policy blocks; the page leaves without it (foods/admin.py) and this file
// binds the box instead. The box's label names an id the box lacks: it gets it here.
document.addEventListener("DOMContentLoaded", () => {
  const fields = () =>
    document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)');
  for (const toggle of document.querySelectorAll("input.select-toggle")) {
    toggle.id = toggle.id || toggle.name;
    toggle.addEventListener("change", () => {
      for (const field of fields()) field.checked = toggle.checked;
    });
  }
});
