/**
 * Why a call rings: the campaign topic (call whisper), the queue, and the number the caller
 * dialled — on the incoming-call panel and during the call.
 */
import type { CallContext } from '../../../common/call-context';
import { formatCaller } from './format';

/** The context lines, or nothing when the backend gave none. */
export function CallContextLines({ context }: { context: CallContext | null }) {
  if (!context) return null;
  return (
    <div className="call-context" data-testid="call-context">
      {context.topic && (
        <p className="topic" data-testid="call-topic">
          Regarding {context.topic}
        </p>
      )}
      {context.queue && <p data-testid="call-queue">From the {context.queue} queue</p>}
      {context.number && (
        <p data-testid="call-number">
          Dialled {formatCaller(context.number)}
          {context.label ? ` · ${context.label}` : ''}
        </p>
      )}
    </div>
  );
}
