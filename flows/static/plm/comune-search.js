// Suggestions for the comune field of the launch form: the lead types, the registry answers.
// A file rather than an inline script, so that it runs after a Turbo visit too (an inline
// script's nonce is that of the page first loaded, which the next page's policy refuses).
(function () {
  var input = document.querySelector("input[data-search-url]");
  var list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list) { return; }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) { return; }
    timer = setTimeout(function () {
      fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(query), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) {
          list.replaceChildren.apply(list, data.results.map(function (label) {
            var option = document.createElement("option");
            option.value = label;
            return option;
          }));
        });
    }, 200);
  });
})();
