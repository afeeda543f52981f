// Fills a form's hidden time-zone field with the browser's own zone.
document.querySelectorAll("[data-browser-zone]").forEach((input) => {
  if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
});
