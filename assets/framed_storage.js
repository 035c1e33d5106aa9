// The Live Chat framed on a retailer's site, in a browser that keeps framed sites from storing anything
// (Safari, Firefox's strict mode, every private window): reading localStorage then throws, and the app would
// not start at all. Here both storages fall back to memory, so the chat works for the visit; the chat held
// in memory is handed to the embedding page, which may hand it back on its next load ("#chat=…", README).
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

  var seed = {};
  var handed = /(?:^#|&)chat=([^&]*)/.exec(window.location.hash);
  if (handed && handed[1]) {
    try { seed[CHAT_KEY] = JSON.stringify(JSON.parse(decodeURIComponent(handed[1]))); } catch (malformed) {}
  }
  function handToEmbedder(key, value) {
    // Only the page framing the chat receives it, and only sites the organization allows may frame it.
    if (framed && key === CHAT_KEY) window.parent.postMessage({ type: "inbox-chat", state: value }, "*");
  }
  Object.defineProperty(window, "localStorage", { value: memoryStorage(seed, handToEmbedder), configurable: true });
  Object.defineProperty(window, "sessionStorage", { value: memoryStorage({}, null), configurable: true });
})();
