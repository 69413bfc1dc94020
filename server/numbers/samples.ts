/**
 * The seed guide's sample NCCOs (seed 000 §3.1–3.3: "Inbound Call", "Outbound Call", "IVR"),
 * offered by the console's custom NCCO editor as starting points.
 *
 * The guide's placeholders are filled in so every sample passes the NCCO schema as given:
 * `YOUR_NEXMO_NUMBER` becomes the number being edited, `PARAMS_TO` the embedded platform's
 * test phone, and `DTMF_URL` the backend's own DTMF webhook for that number.
 */
import type { NccoSample } from '../../common/console-api';
import { FlowUrls } from '../flows/urls';
import { TEST_CALLER } from './test-call';

/** The three samples for a number, with URLs under the backend's public URL. */
export function nccoSamples(number: string, publicUrl: string): NccoSample[] {
  const urls = new FlowUrls(publicUrl);
  return [
    {
      id: 'inbound',
      label: 'Inbound call',
      note: 'Greets the caller and rings Jane in the app.',
      ncco: [
        { action: 'talk', text: 'Thank you for calling Jane' },
        { action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] },
      ],
    },
    {
      id: 'outbound',
      label: 'Outbound call',
      note: `Connects the caller to a phone; replace ${TEST_CALLER} (the platform's test phone) with the number to ring.`,
      ncco: [
        { action: 'talk', text: 'Please wait while we connect you.' },
        { action: 'connect', timeout: 20, from: number, endpoint: [{ type: 'phone', number: TEST_CALLER }] },
      ],
    },
    {
      id: 'ivr',
      label: 'IVR',
      note: 'Reads one key with the backend’s DTMF webhook, which routes keys for numbers whose flow is IVR; for a menu that routes calls, use the IVR flow.',
      ncco: [
        { action: 'talk', text: 'Thank you for calling my contact center.' },
        { action: 'talk', text: 'To talk to Jane, please press 1, or, to talk to Joe, press 2.' },
        { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 }, eventUrl: [urls.dtmf(number, 1)] },
      ],
    },
  ];
}
