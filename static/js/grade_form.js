// Grade form: cite transcript lines into the bullet last worked on, and add bullets.
(function () {
  "use strict";
  const form = document.querySelector("[data-grade-form]");
  if (!form) return;
  let activeRow = null;

  function setActive(row) {
    if (activeRow) activeRow.classList.remove("active");
    activeRow = row;
    if (row) row.classList.add("active");
  }

  form.addEventListener("focusin", (event) => {
    const row = event.target.closest(".bullet-row");
    if (row) setActive(row);
  });

  function firstRow() {
    return form.querySelector(".bullet-row");
  }

  function cite(stamp) {
    const row = activeRow || firstRow();
    if (!row) return;
    setActive(row);
    const input = row.querySelector("[data-cites]");
    const stamps = input.value.split(/[\s,;]+/).filter(Boolean);
    if (!stamps.includes(stamp)) stamps.push(stamp);
    input.value = stamps.join(" ");
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.querySelectorAll("[data-cite]").forEach((button) => {
    // A button already answers Enter and Space from the keyboard.
    button.addEventListener("click", () => {
      cite(button.dataset.cite);
      button.classList.add("cited");
    });
  });

  const template = document.getElementById("bullet-template");
  form.querySelectorAll("[data-add-bullet]").forEach((button) => {
    button.addEventListener("click", () => {
      const section = button.dataset.addBullet;
      const list = form.querySelector(`[data-bullets="${section}"]`);
      const index = list.querySelectorAll(".bullet-row").length;
      const html = template.innerHTML.replaceAll("SECTION", section).replaceAll("INDEX", String(index));
      list.insertAdjacentHTML("beforeend", html);
      const row = list.lastElementChild;
      setActive(row);
      row.querySelector("textarea").focus();
    });
  });
  const copy = document.querySelector("[data-copy-notes]");
  if (copy) {
    copy.addEventListener("click", () => {
      const target = form.querySelector("textarea[name=notes]");
      const text = document.querySelector("[data-room-notes]").textContent;
      target.value = target.value ? `${target.value}\n${text}` : text;
      target.focus();
    });
  }
})();
