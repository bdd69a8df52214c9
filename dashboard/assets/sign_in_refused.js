// A sign-in refused with HTTP 429 (too many failed attempts from this address) is shown in
// the sign-in box: Dash itself shows nothing when a callback's request fails.
(function () {
  var fetched = window.fetch;
  window.fetch = function () {
    return fetched.apply(this, arguments).then(function (response) {
      if (response.status === 429) {
        var wait = response.headers.get("Retry-After") || "60";
        var box = document.getElementById("sign-in-error");
        if (box) {
          box.textContent =
            "Too many failed sign-ins from this address: try again in " + wait + " seconds.";
        }
      }
      return response;
    });
  };
})();
