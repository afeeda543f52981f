// Live "starts in ..." labels for elements with data-countdown="<ISO time>".
(function () {
  "use strict";
  const targets = Array.from(document.querySelectorAll("[data-countdown]"));
  function label(ms) {
    if (ms <= 0) return "started";
    const minutes = Math.floor(ms / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days > 0) return `starts in ${days} d ${hours} h`;
    if (hours > 0) return `starts in ${hours} h ${mins} min`;
    return `starts in ${mins} min`;
  }
  function tick() {
    const now = Date.now();
    for (const el of targets) {
      const at = Date.parse(el.dataset.countdown);
      if (Number.isFinite(at)) el.textContent = label(at - now);
    }
  }
  tick();
  setInterval(tick, 30000);
})();
