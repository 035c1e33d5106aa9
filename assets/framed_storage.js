// The Live Chat framed on a retailer's site, in a browser that refuses framed sites any storage (a private
// window, or a browser set to block third-party storage): reading localStorage then throws, and the app would
// not start at all. Here both storages fall back to memory, so the chat works for the visit. To survive a
// reload of the retailer's page, the chat hands its token to the framing page, but only to a site the
// organization named under "Allowed chat origins" (never under `*`), and that page may hand it back on its
// next load in the frame's address ("#chat=…", README "Embedding the Live Chat").
(function () {
  try {
    window.localStorage.getItem("probe");
    window.sessionStorage.getItem("probe");
    return; // storage works: nothing to do
  } catch (denied) {}

  var CHAT_KEY = "inbox_chat_tokens"; // ChatState.chat_tokens
  var framed = window.parent !== window;

  function memoryStorage(seed, onWrite) {
    var data = Object.assign({}, seed);
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : null; },
      setItem: function (key, value) { data[key] = String(value); if (onWrite) onWrite(key, data[key]); },
      removeItem: function (key) { delete data[key]; },
      clear: function () { data = {}; },
      key: function (index) { var keys = Object.keys(data); return index < keys.length ? keys[index] : null; },
      get length() { return Object.keys(data).length; },
    };
  }

  // The seed is read once and removed from the address at once, before the app reads its URL: the token
  // never reaches the server's router data or the history.
  var seed = {};
  var handed = /(?:^#|&)chat=([^&]*)/.exec(window.location.hash);
  if (handed) {
    history.replaceState(history.state, "", window.location.pathname + window.location.search);
    if (framed && handed[1]) {
      try { seed[CHAT_KEY] = JSON.stringify(JSON.parse(decodeURIComponent(handed[1]))); } catch (malformed) {}
    }
  }

  function embedderOrigin() {
    if (window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
      return window.location.ancestorOrigins[0];
    }
    try { return new URL(document.referrer).origin; } catch (none) { return null; }
  }

  function named(origin, listed) {
    return listed.some(function (entry) {
      if (entry === origin) return true;
      var wild = /^(https?):\/\/\*\.(.+)$/.exec(entry); // https://*.shop.example: any subdomain, same port
      var site = /^(https?):\/\/([^/]+)$/.exec(origin);
      return !!(wild && site && wild[1] === site[1] && site[2].endsWith("." + wild[2]));
    });
  }

  var slug = (/^\/chat\/([^/]+)/.exec(window.location.pathname) || [])[1];
  var target = framed && slug ? embedderOrigin() : null;
  var allowed = null; // unknown until the organization's list arrives
  var pending = null;
  function handOver(value) {
    if (allowed) window.parent.postMessage({ type: "inbox-chat", state: value }, target);
    else if (allowed === null) pending = value;
  }
  if (target) {
    fetch("/api/chat/" + slug + "/embedders", { credentials: "omit" })
      .then(function (answer) { return answer.json(); })
      .then(function (body) {
        allowed = named(target, body.origins || []);
        if (pending !== null) handOver(pending);
      })
      .catch(function () { allowed = false; });
  }

  Object.defineProperty(window, "localStorage", {
    value: memoryStorage(seed, function (key, value) { if (target && key === CHAT_KEY) handOver(value); }),
    configurable: true,
  });
  Object.defineProperty(window, "sessionStorage", { value: memoryStorage({}, null), configurable: true });
})();
