// Timebox countdown for a question page: counts from when the user opened it.
(function () {
  "use strict";
  const box = document.querySelector("[data-timer]");
  if (!box) return;
  const display = box.querySelector("[data-timer-display]");
  const status = box.querySelector("[data-timer-status]");
  const total = Number(box.dataset.timeboxSeconds);
  const startedAt = box.dataset.startedAt ? Date.parse(box.dataset.startedAt) : Date.now();
  if (!Number.isFinite(total) || total <= 0) return;

  function format(seconds) {
    const s = Math.abs(Math.round(seconds));
    return `${seconds < 0 ? "-" : ""}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function tick() {
    const left = total - (Date.now() - startedAt) / 1000;
    display.textContent = format(left);
    if (left < 0) {
      box.classList.add("over");
      display.classList.add("over");
      status.textContent = "Time is up: save what you have, then compare with the solution.";
    }
  }
  tick();
  setInterval(tick, 1000);
})();
