/**
 * The incoming-call window's page: caller, context, Answer and Decline.
 *
 * Main loads it with the call in the query (`callId`, `from`, `context`, `waiting`, and the
 * global shortcuts `answerKey` / `declineKey` to show on the buttons). It has no preload and
 * no IPC: choosing sets the location's hash to `#answer` or `#decline`, an in-page navigation
 * main reads from the window (`did-navigate-in-page`) and checks against the call it showed.
 */
import './incoming.css';

const params = new URLSearchParams(location.search);
const text = (id: string, value: string) => {
  const element = document.getElementById(id);
  if (element) element.textContent = value;
};

const waiting = params.get('waiting') === '1';
text('incoming-title', waiting ? 'Call waiting' : 'Incoming call');
document.title = `${waiting ? 'Call waiting' : 'Incoming call'} — Switchboard`;
text('incoming-from', params.get('from') ?? '');
const context = params.get('context') ?? '';
text('incoming-context', waiting && !context ? 'Answering puts your current call on hold.' : context);

const buttons = { answer: 'answerKey', decline: 'declineKey' } as const;
for (const [action, param] of Object.entries(buttons)) {
  const button = document.getElementById(action) as HTMLButtonElement | null;
  const accelerator = params.get(param) ?? '';
  const letter = action === 'answer' ? 'A' : 'D';
  button?.setAttribute('aria-keyshortcuts', accelerator ? `${letter} ${accelerator.replace(/CommandOrControl/g, 'Control')}` : letter);
  const global = button?.querySelector('.global');
  if (global && accelerator) {
    global.textContent = ' or ';
    const kbd = document.createElement('kbd');
    kbd.textContent = accelerator.replace(/CommandOrControl/g, navigator.platform.startsWith('Mac') ? 'Cmd' : 'Ctrl');
    global.append(kbd);
  }
  button?.addEventListener('click', () => choose(action as keyof typeof buttons));
}

let chosen = false;
function choose(action: 'answer' | 'decline'): void {
  if (chosen) return;
  chosen = true;
  for (const id of Object.keys(buttons)) (document.getElementById(id) as HTMLButtonElement | null)?.setAttribute('disabled', '');
  location.hash = action;
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  if (key === 'a') choose('answer');
  else if (key === 'd') choose('decline');
  else return;
  event.preventDefault();
});

document.body.dataset.ready = 'true';
