/**
 * Request schemas the sandbox's HTTP APIs share.
 */
import { z } from 'zod';

/** A phone number as Vonage takes it: E.164 digits, with or without the leading plus. */
export const phoneNumber = z.string().regex(/^\+?[1-9][0-9]{5,14}$/, 'must be a phone number in E.164 form, like +14155550100');
