// The API token: asked once, kept for the tab (sessionStorage) or, when the user asks, on this device
// (localStorage). It only ever travels in the Authorization header, never in a URL.
const KEY = 'gpubatch.token';

export function getToken() {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY) ?? undefined;
}

export function setToken(token, remember) {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}
