// @ts-check
/**
 * The caller page: a phone in the browser that calls the contact center through the sandbox.
 *
 * Media: the sandbox offers a WebRTC peer (G.711); this page answers with the microphone and
 * plays what comes back. The call itself is an ordinary simulated-phone call: its status and
 * what the caller heard are read from the phone API, keys and hang-up go there too. A
 * hand-written ES module served as it is (no build step), checked by `tsc -p sandbox/caller`.
 */

/**
 * @typedef {{ type: 'talk', text: string } | { type: 'stream', url: string } | { type: 'dtmf', digits: string }
 *   | { type: 'music', url: string | null } | { type: 'hangup', reason: string }} Heard
 * @typedef {{ uuid: string, status: string, heard: Heard[] }} PhoneCall
 * @typedef {{ pc: RTCPeerConnection, mic: MediaStream, uuid: string | null, over: boolean, timers: number[], heardCount: number }} Call
 */

const NUMBER = /^\+?[1-9][0-9]{5,14}$/;
const FINAL = new Set(['completed', 'rejected', 'cancelled', 'timeout', 'failed', 'busy', 'unanswered']);
const STATUS_TEXT = /** @type {Record<string, string>} */ ({
  connecting: 'Connecting…',
  started: 'Calling…',
  ringing: 'Ringing…',
  answered: 'Connected',
  completed: 'Call ended',
});
const POLL_MS = 300;
const STATS_MS = 1000;
/** How long to wait for ICE candidates before sending the answer anyway (the sandbox learns our address from checks). */
const GATHER_MS = 2000;

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found;
}

const fromInput = /** @type {HTMLInputElement} */ (element('from'));
const toInput = /** @type {HTMLInputElement} */ (element('to'));
const callButton = /** @type {HTMLButtonElement} */ (element('call'));
const hangupButton = /** @type {HTMLButtonElement} */ (element('hangup'));
const statusText = element('status');
const errorText = element('error');
const pressedText = element('pressed');
const statsText = element('stats');
const heardList = element('heard');
const remoteAudio = /** @type {HTMLAudioElement} */ (element('remote'));

/** The call in progress (or the last one), if any. @type {Call | null} */
let call = null;
/** Hang up was pressed while the browser was still asking for the microphone. */
let dialAborted = false;

class ApiError extends Error {}

/**
 * Calls the sandbox's API (same origin) and returns its JSON, or throws with its `detail`.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(json?.detail ?? `${method} ${path} answered ${response.status}`);
  return json;
}

/** @param {string | null} message */
function showError(message) {
  errorText.textContent = message ?? '';
  errorText.hidden = message === null;
}

/** @param {string} status */
function showStatus(status) {
  statusText.dataset.status = status;
  statusText.textContent = STATUS_TEXT[status] ?? (FINAL.has(status) ? `Call ended (${status})` : status);
}

function showIdle() {
  statusText.dataset.status = 'idle';
  statusText.textContent = 'Not in a call';
}

/** @param {boolean} inCall */
function showInCall(inCall) {
  callButton.hidden = inCall;
  hangupButton.hidden = !inCall;
  fromInput.disabled = inCall;
  toInput.disabled = inCall;
}

/** A heard item as a label and its detail. @param {Heard} item @returns {[string, string]} */
function describeHeard(item) {
  switch (item.type) {
    case 'talk':
      return ['Said', `“${item.text}”`];
    case 'stream':
      return ['Played', item.url];
    case 'dtmf':
      return ['Tones', item.digits];
    case 'music':
      return ['Hold music', item.url ?? ''];
    case 'hangup':
      return ['Hung up', item.reason];
  }
}

/** @param {Heard[]} heard */
function showHeard(heard) {
  if (!call || heard.length === call.heardCount) return;
  for (const item of heard.slice(call.heardCount)) {
    const [kind, detail] = describeHeard(item);
    const row = document.createElement('li');
    row.dataset.type = item.type;
    const label = document.createElement('span');
    label.className = 'kind';
    label.textContent = kind;
    row.append(label, detail);
    heardList.append(row);
  }
  call.heardCount = heard.length;
}

/** Resolves once ICE gathering completes, or after `GATHER_MS`. @param {RTCPeerConnection} pc */
function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/** Dials: microphone, the sandbox's offer, our answer, then the call. */
async function startCall() {
  const from = fromInput.value.trim();
  const to = toInput.value.trim();
  if (!NUMBER.test(from)) return showError('Your number must be a phone number like +14155550100.');
  if (!NUMBER.test(to)) return showError('Enter the number to call, like +14155550199.');
  if (!navigator.mediaDevices?.getUserMedia) {
    return showError('This page cannot use a microphone here: open it at http://127.0.0.1 or http://localhost on this computer.');
  }
  showError(null);
  heardList.replaceChildren();
  pressedText.hidden = true;
  pressedText.textContent = '';
  delete pressedText.dataset.keys;
  statsText.hidden = true;
  delete statusText.dataset.callUuid;
  showInCall(true);
  showStatus('connecting');
  call = null;
  dialAborted = false;

  /** @type {MediaStream} */
  let mic;
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  } catch (error) {
    showInCall(false);
    showIdle();
    return showError(`No microphone: ${/** @type {Error} */ (error).message}. Allow the microphone and try again.`);
  }
  if (dialAborted) {
    for (const track of mic.getTracks()) track.stop();
    return;
  }
  const pc = new RTCPeerConnection();
  /** @type {Call} */
  const current = { pc, mic, uuid: null, over: false, timers: [], heardCount: 0 };
  call = current;
  pc.addEventListener('track', (event) => {
    remoteAudio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    void remoteAudio.play().catch(() => undefined);
  });
  try {
    const offer = await api('POST', '/sandbox/v1/caller/offers');
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    if (current.over) return;
    const placed = await api('POST', '/sandbox/v1/caller/calls', { offer_id: offer.offer_id, sdp: pc.localDescription?.sdp, from, to });
    current.uuid = placed.uuid;
    statusText.dataset.callUuid = placed.uuid;
    if (current.over) {
      // Hung up while connecting: the call exists now, so end it.
      await api('DELETE', `/sandbox/v1/phone/calls/${placed.uuid}`);
      return;
    }
    showStatus(placed.status);
    current.timers.push(window.setInterval(() => void poll(current), POLL_MS), window.setInterval(() => void stats(current), STATS_MS));
  } catch (error) {
    if (current.over) return; // hung up while connecting
    finish(current);
    showIdle();
    showError(error instanceof ApiError ? error.message : `The call could not start: ${/** @type {Error} */ (error).message}`);
  }
}

/** Reads the call's status and what the caller heard. @param {Call} current */
async function poll(current) {
  if (current.over || !current.uuid) return;
  /** @type {PhoneCall} */
  let state;
  try {
    state = await api('GET', `/sandbox/v1/phone/calls/${current.uuid}`);
  } catch (error) {
    finish(current);
    showStatus('completed');
    return showError(`Lost the call: ${/** @type {Error} */ (error).message}`);
  }
  if (current !== call) return;
  showHeard(state.heard);
  showStatus(state.status);
  if (FINAL.has(state.status)) finish(current);
}

/** Shows the audio packets each way, from the browser's own counters. @param {Call} current */
async function stats(current) {
  /** @type {RTCStatsReport} */
  let reports;
  try {
    reports = await current.pc.getStats();
  } catch {
    return; // the call ended meanwhile
  }
  if (current.over) return;
  let sent = 0;
  let received = 0;
  for (const report of reports.values()) {
    if (report.type === 'outbound-rtp' && report.kind === 'audio') sent += report.packetsSent ?? 0;
    if (report.type === 'inbound-rtp' && report.kind === 'audio') received += report.packetsReceived ?? 0;
  }
  statsText.hidden = false;
  statsText.dataset.packetsSent = String(sent);
  statsText.dataset.packetsReceived = String(received);
  statsText.textContent = `Audio packets: ${sent} sent, ${received} received`;
}

/** Ends the call on this side: timers, peer connection and microphone. @param {Call} current */
function finish(current) {
  if (current.over) return;
  current.over = true;
  for (const timer of current.timers) clearInterval(timer);
  current.pc.close();
  for (const track of current.mic.getTracks()) track.stop();
  remoteAudio.srcObject = null;
  showInCall(false);
}

/** Hangs up: the sandbox ends the call, the next read shows it ended. */
async function hangUp() {
  const current = call;
  if (!current) {
    // Still asking for the microphone: startCall stops when it is granted.
    dialAborted = true;
    showInCall(false);
    showIdle();
    return;
  }
  if (!current.uuid) {
    // Still connecting: stop here; startCall ends the call if the sandbox places it meanwhile.
    finish(current);
    showIdle();
    return;
  }
  try {
    await api('DELETE', `/sandbox/v1/phone/calls/${current.uuid}`);
  } catch (error) {
    showError(`Could not hang up: ${/** @type {Error} */ (error).message}`);
  }
  await poll(current);
}

/** A key: while in a call it is sent as a tone; otherwise it dials. @param {string} key */
async function press(key) {
  const current = call;
  if (!current || current.over) {
    toInput.value += key;
    return;
  }
  if (!current.uuid) return;
  const keys = (pressedText.dataset.keys ?? '') + key;
  pressedText.dataset.keys = keys;
  pressedText.textContent = `You pressed: ${keys}`;
  pressedText.hidden = false;
  try {
    await api('POST', `/sandbox/v1/phone/calls/${current.uuid}/dtmf`, { digits: key });
  } catch (error) {
    showError(`Could not send ${key}: ${/** @type {Error} */ (error).message}`);
  }
}

/** Offers the numbers linked to applications, the first as the default. */
async function loadNumbers() {
  try {
    /** @type {{ numbers: Array<{ msisdn: string, app_id: string | null }> }} */
    const { numbers } = await api('GET', '/sandbox/v1/numbers');
    const linked = numbers.filter((n) => n.app_id);
    const list = element('linked-numbers');
    list.replaceChildren(...linked.map((n) => Object.assign(document.createElement('option'), { value: `+${n.msisdn}` })));
    if (!toInput.value && linked[0]) toInput.value = `+${linked[0].msisdn}`;
  } catch {
    // The page still works: the caller types the number.
  }
}

callButton.addEventListener('click', () => void startCall());
hangupButton.addEventListener('click', () => void hangUp());
element('keypad').addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button');
  if (button?.dataset.key) void press(button.dataset.key);
});
document.addEventListener('keydown', (event) => {
  const inField = event.target instanceof HTMLInputElement;
  if (!inField && call && !call.over && /^[0-9*#]$/.test(event.key)) void press(event.key);
  if (inField && event.key === 'Enter' && (!call || call.over)) void startCall();
});
// Closing the tab hangs up rather than leaving the contact center talking to no one.
window.addEventListener('pagehide', () => {
  if (call?.uuid && !call.over) void fetch(`/sandbox/v1/phone/calls/${call.uuid}`, { method: 'DELETE', keepalive: true });
});
void loadNumbers();
