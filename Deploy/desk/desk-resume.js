// A reload of the desk comes without the token in its address (the page removed it): a tab
// that holds it in its session goes back in with it; any other visitor stays out.
(function () {
  "use strict";
  var token = null;
  try { token = window.sessionStorage.getItem("desk-token"); } catch (error) { token = null; }
  if (token && /^[0-9a-f]{64}$/.test(token)) {
    window.location.replace("/?token=" + token);
  }
})();
