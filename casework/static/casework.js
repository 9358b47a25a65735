// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // A checkbox that shows one part of a form and hides another (date of birth known
  // or not): <input type=checkbox data-show-when-checked="id" data-show-when-unchecked="id">.
  document.querySelectorAll("[data-show-when-checked], [data-show-when-unchecked]")
    .forEach(function (box) {
      var on = document.getElementById(box.getAttribute("data-show-when-checked"));
      var off = document.getElementById(box.getAttribute("data-show-when-unchecked"));
      var sync = function () {
        if (on) { on.hidden = !box.checked; }
        if (off) { off.hidden = box.checked; }
      };
      box.addEventListener("change", sync);
      sync();
    });
})();
