// Provider options that are secrets (Meta's verifyToken, which proves a subscription check comes from the app's
// owner): sealed at rest under the master key like the source's signing secrets, and never returned by the API
// (SPEC §4, secrets). The stored settings keep them as `sealedOptions`, apart from `options`, which is returned.
import { invalid } from '../core/errors.js';
import type { SecretBox } from '../core/secret-box.js';
import { getProvider } from './providers/index.js';
import type { SourceSettings } from './source-settings.js';

/** Settings as stored: what the API takes, with the secret options sealed (option name → sealed value). */
export interface StoredSourceSettings extends SourceSettings {
  sealedOptions?: Record<string, string>;
}

/** The option names a provider treats as secrets. */
export function secretOptionsOf(provider: string | null | undefined): readonly string[] {
  return (provider ? getProvider(provider)?.secretOptions : undefined) ?? [];
}

/** Moves the provider's secret options out of `options` into `sealedOptions`, sealed; one given as null is dropped. */
export function sealOptions(
  settings: SourceSettings,
  provider: string | null,
  box: SecretBox,
): StoredSourceSettings {
  const names = secretOptionsOf(provider);
  if (names.length === 0 || settings.options === undefined) return settings;
  const options = { ...settings.options };
  const sealed: Record<string, string> = {};
  for (const name of names) {
    const value = options[name];
    delete options[name];
    if (typeof value === 'string') {
      sealed[name] = box.seal(value);
    } else if (value !== null && value !== undefined) {
      throw invalid([{ path: `/options/${name}`, message: 'must be a string' }], 'EH_SOURCE_INVALID');
    }
  }
  const out: StoredSourceSettings = { ...settings, options };
  if (Object.keys(sealed).length > 0) out.sealedOptions = sealed;
  return out;
}

/**
 * New options for a source: the secret options (`secretNames`) they leave out keep their current values (from
 * `current`, in plain text), and one given as null is removed. The result is in plain text, to be checked and sealed.
 */
export function keepSecretOptions(
  options: Record<string, unknown>,
  current: Record<string, unknown>,
  secretNames: readonly string[],
): Record<string, unknown> {
  const out = { ...options };
  for (const name of secretNames) {
    if (out[name] === null) delete out[name];
    else if (out[name] === undefined && current[name] !== undefined) out[name] = current[name];
  }
  return out;
}

/**
 * The options the provider's verifier and handshakes see: plain and secret together, in plain text. A secret option
 * that does not open (the master key changed) is left out, so its check fails closed.
 */
export function openOptions(
  settings: StoredSourceSettings,
  box: SecretBox,
): Record<string, unknown> | undefined {
  if (settings.sealedOptions === undefined) return settings.options;
  const options: Record<string, unknown> = { ...settings.options };
  for (const [name, sealed] of Object.entries(settings.sealedOptions)) {
    const opened = box.openOrNull(sealed);
    if (opened === null) delete options[name];
    else options[name] = opened;
  }
  return options;
}

/**
 * Settings as the API shows them: no secret option's value (sealed, or still in plain text from before sealing),
 * and the names of the secret options that are set.
 */
export function publicSettings(
  stored: StoredSourceSettings,
  provider: string | null,
): { settings: SourceSettings; secretOptions: string[] } {
  const { sealedOptions, ...settings } = stored;
  const secretOptions = Object.keys(sealedOptions ?? {});
  const names = secretOptionsOf(provider);
  if (settings.options !== undefined && names.some((n) => n in settings.options!)) {
    const options = { ...settings.options };
    for (const name of names) {
      if (!(name in options)) continue;
      delete options[name];
      if (!secretOptions.includes(name)) secretOptions.push(name);
    }
    settings.options = options;
  }
  return { settings, secretOptions };
}
