// The none verifier: accepts every request. Only for sources that are protected some other way (an IP allow-list,
// a private network); the API makes choosing it explicit.
import { Type, type Static } from '@sinclair/typebox';
import { ACCEPTED, type Verifier } from './types.js';

export const NoneConfigSchema = Type.Object(
  { type: Type.Literal('none') },
  { additionalProperties: false, title: 'NoneVerifierConfig' },
);
export type NoneConfig = Static<typeof NoneConfigSchema>;

export function createNoneVerifier(_config: NoneConfig): Verifier {
  return { verify: () => ACCEPTED };
}
