/**
 * NCCO types, derived from `@vonage/voice`.
 *
 * `@vonage/voice` types each action's `action` field (and a few options) with TypeScript
 * enums, which plain JSON literals such as `'talk'` cannot satisfy without importing the
 * enum at run time — and the package is only a devDependency. So these types keep the
 * package's field definitions and swap each enum for its string-literal values.
 */
import type {
  ConnectAction as VonageConnectAction,
  ConnectEventType,
  ConversationAction as VonageConversationAction,
  InputAction as VonageInputAction,
  MachineDetection,
  NCCOActions,
  NotifyAction as VonageNotifyAction,
  RecordAction as VonageRecordAction,
  StreamAction as VonageStreamAction,
  TalkAction as VonageTalkAction,
} from '@vonage/voice';

export type { AppEndpoint, CallEndpoint, PhoneEndpoint } from '@vonage/voice';

/** Replace an action type's enum `action` field with its string literal. */
type Literal<T extends { action: NCCOActions }> = Omit<T, 'action'> & { action: `${T['action']}` };

/**
 * `talk`: speak text into the call.
 *
 * `level` (-1 to 1) and `style` (a voice style index) are numbers on the wire;
 * `@vonage/voice` types them as strings.
 */
export type TalkAction = Omit<Literal<VonageTalkAction>, 'level' | 'style'> & { level?: number; style?: number };

/** `stream`: play audio files into the call. */
export type StreamAction = Literal<VonageStreamAction>;

/** `connect`: dial an endpoint and bridge it into the call. */
export type ConnectAction = Omit<Literal<VonageConnectAction>, 'eventType' | 'machineDetection'> & {
  eventType?: `${ConnectEventType}`;
  machineDetection?: `${MachineDetection}`;
};

/** `conversation`: place the call in a named conversation. */
export type ConversationAction = Literal<VonageConversationAction>;

/**
 * Speech recognition settings of `input`, as the NCCO reference defines them.
 *
 * Declared here because `@vonage/voice` types `uuid` as a string and `endOnSilence` as a
 * boolean, where the wire format has an array of one leg uuid and a number of seconds.
 */
export interface SpeechSettings {
  uuid?: string[];
  endOnSilence?: number;
  language?: string;
  context?: string[];
  startTimeout?: number;
  maxDuration?: number;
  saveAudio?: boolean;
  sensitivity?: number;
}

/** `input`: collect DTMF or speech; the eventUrl's answer continues the call. */
export type InputAction = Omit<Literal<Extract<VonageInputAction, { type: string[] }>>, 'speech'> & { speech?: SpeechSettings };

/** `notify`: send a webhook and carry on. Its payload is any JSON object (`@vonage/voice` says strings only). */
export type NotifyAction = Omit<Literal<VonageNotifyAction>, 'payload'> & { payload: Record<string, unknown> };

/** `record`: record the call. */
export type RecordAction = Omit<Literal<VonageRecordAction>, 'format'> & { format?: 'mp3' | 'wav' | 'ogg' };

/** The `action` names an NCCO may use. */
export type NccoActionName = NccoAction['action'];

/** Any NCCO action. */
export type NccoAction =
  | TalkAction
  | StreamAction
  | ConnectAction
  | ConversationAction
  | InputAction
  | NotifyAction
  | RecordAction;

/** A Nexmo Call Control Object: the actions an answer_url (or input eventUrl) returns. */
export type Ncco = NccoAction[];

/**
 * What the platform told the answer_url about the leg being answered.
 *
 * Every field is optional because a flow must still answer something sensible when the
 * platform (or a test) leaves one out.
 */
export interface AnswerContext {
  to?: string;
  from?: string;
  uuid?: string;
  conversation_uuid?: string;
  /** Set when the Client SDK placed the call (`serverCall`). */
  from_user?: string;
  /** The context object the app passed to `serverCall`, when it did. */
  custom_data?: Record<string, unknown>;
}
