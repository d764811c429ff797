// 大字模式: the choice persists in this browser (localStorage), on every public page.
(function () {
  var root = document.documentElement;
  function apply(on) {
    root.classList.toggle("large", on);
    var button = document.querySelector("[data-large-text]");
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  var stored = false;
  try { stored = localStorage.getItem("portal-large-text") === "1"; } catch (e) { /* private mode */ }
  apply(stored);
  document.addEventListener("DOMContentLoaded", function () {
    apply(root.classList.contains("large"));
    var button = document.querySelector("[data-large-text]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var on = !root.classList.contains("large");
      apply(on);
      try { localStorage.setItem("portal-large-text", on ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  });
})();
