// Passkeys: where the browser can make and use them, show the passkey forms; on submit, run the
// ceremony with the options the page carries and send the browser's answer as a plain form post.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  // The JSON forms of the options and of the answer, for browsers without the built-in ones.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withBytes(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: withBytes(json.allowCredentials),
    });
  }

  function answer(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var r = credential.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  document.querySelectorAll("[data-passkey-section]").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    var hidden = form.querySelector("input[name=credential]");
    var error = form.querySelector("[data-passkey-error]");
    form.addEventListener("submit", function (event) {
      if (hidden.value) return; // the answer is in: let the form go
      event.preventDefault();
      var name = form.querySelector("input[name=name]");
      if (name && !name.value.trim()) { name.focus(); return; }
      var options = JSON.parse(form.dataset.passkeyOptions);
      var ceremony = form.dataset.passkey === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      ceremony.then(function (credential) {
        hidden.value = JSON.stringify(answer(credential));
        form.submit();
      }).catch(function () {
        error.textContent = form.dataset.passkeyFailed;
        error.hidden = false;
      });
    });
  });
})();
