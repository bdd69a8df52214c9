// dcc.Upload's file input has no name of its own: give it the visible label of its control
// ("List file") and the words in its drop zone, so a screen reader announces what it is for.
(function () {
  function label() {
    document.querySelectorAll("[data-labelled-by] input[type=file]").forEach(function (input) {
      var holder = input.closest("[data-labelled-by]");
      var ids = holder.getAttribute("data-labelled-by");
      if (input.getAttribute("aria-labelledby") !== ids) {
        input.setAttribute("aria-labelledby", ids);
      }
    });
  }
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
})();
