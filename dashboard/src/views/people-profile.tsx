import { useEffect, useState } from 'preact/hooks';
import { type ApiProblem, api, problemText, useApi } from '../hub.js';
import { useLang } from '../i18n.js';
import { ErrorBox, Loading, Section } from '../ui.js';
import {
  type ChannelKind,
  CONTACT_FIELDS,
  type Contacts,
  type Language,
  MESSAGE_KINDS,
  type MessageKind,
  type Profile,
} from './people-model.js';
import type { PeopleSection } from './people-sections.js';
import { type PeopleTextKey, pt } from './people-text.js';

const LANG_NAMES: Record<Language, string> = { 'zh-CN': '中文', en: 'English' };
const chName = (k: ChannelKind) => pt(`ch-${k}` as PeopleTextKey);
const chList = (ks: readonly ChannelKind[] | undefined) =>
  ks?.length ? ks.map(chName).join(' → ') : pt('noneConfigured');

interface Draft {
  language: Language | '';
  contacts: Contacts;
  channels: Partial<Record<MessageKind, [ChannelKind | '', ChannelKind | '']>>;
  quietOn: boolean;
  quietStart: string;
  quietEnd: string;
}

function draftOf(p: Profile): Draft {
  return {
    language: p.language ?? '',
    contacts: { ...p.contacts },
    channels: Object.fromEntries(
      MESSAGE_KINDS.map((k) => [k, [p.channels[k]?.[0] ?? '', p.channels[k]?.[1] ?? '']]),
    ),
    quietOn: p.quietHours !== null,
    quietStart: p.quietHours?.start ?? '22:00',
    quietEnd: p.quietHours?.end ?? '07:00',
  };
}

function bodyOf(d: Draft) {
  const channels: Partial<Record<MessageKind, ChannelKind[]>> = {};
  for (const k of MESSAGE_KINDS) {
    const [a, b] = d.channels[k] ?? ['', ''];
    const list = [a, b].filter((x): x is ChannelKind => x !== '');
    if (list.length) channels[k] = [...new Set(list)];
  }
  return {
    language: d.language || null,
    contacts: d.contacts,
    channels,
    quietHours: d.quietOn ? { start: d.quietStart, end: d.quietEnd } : null,
  };
}

/** `body.contacts.email` → `contacts.email`: where the hub said the input was wrong. */
function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (err as ApiProblem)?.problem?.errors ?? []) out[e.path.replace(/^body\./, '')] = e.message;
  return out;
}

/** The profile form for `path` (`/me/profile`, or `/users/<id>/profile` for an admin). */
export function ProfileForm({ path, title }: { path: string; title?: (p: Profile) => string }) {
  useLang();
  const { data, error, loading, reload } = useApi<Profile>(path);
  const [draft, setDraft] = useState<Draft>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; why?: string; fields?: Record<string, string> }>();
  useEffect(() => {
    if (data) setDraft(draftOf(data));
  }, [data]);
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (loading || !data || !draft) return <Loading />;
  const site = data.site;
  const fields = result?.fields ?? {};
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setResult(undefined);
    try {
      const saved = await api<Profile>(path, { method: 'PUT', body: bodyOf(draft) });
      setDraft(draftOf(saved));
      setResult({ ok: true });
    } catch (err) {
      setResult({ ok: false, why: problemText(err), fields: fieldErrors(err) });
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (path: string) =>
    Object.entries(fields)
      .filter(([p]) => p === path || p.startsWith(`${path}.`))
      .map(([, m]) => m)[0];

  return (
    <form class="pp-profile" onSubmit={save} noValidate data-form="profile">
      <Section title={title ? title(data) : pt('profileTitle')}>
        {!title && <p class="muted">{pt('profileHint')}</p>}
        <div class="field">
          <label for="pp-lang">{pt('language')}</label>
          <select
            id="pp-lang"
            value={draft.language}
            onChange={(e) => set({ language: (e.target as HTMLSelectElement).value as Language | '' })}
          >
            <option value="">{pt('siteDefault', { value: LANG_NAMES[site.defaultLanguage] })}</option>
            <option value="zh-CN">中文</option>
            <option value="en">English</option>
          </select>
        </div>
      </Section>

      <Section title={pt('contacts')}>
        <div class="pp-grid">
          {CONTACT_FIELDS.map((f) => {
            const err = fieldError(`contacts.${f}`);
            return (
              <div class="field" key={f}>
                <label for={`pp-${f}`}>{pt(f)}</label>
                <input
                  id={`pp-${f}`}
                  name={f}
                  type="text"
                  inputMode={f === 'email' ? 'email' : f === 'mobile' ? 'tel' : 'text'}
                  autocomplete={f === 'email' ? 'email' : f === 'mobile' ? 'tel' : 'off'}
                  value={draft.contacts[f] ?? ''}
                  aria-invalid={err ? 'true' : undefined}
                  onInput={(e) =>
                    set({ contacts: { ...draft.contacts, [f]: (e.target as HTMLInputElement).value } })
                  }
                />
                {err && (
                  <span class="pp-field-error" data-error-for={`contacts.${f}`}>
                    {err}
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </Section>

      <Section title={pt('channels')}>
        <p class="muted">{pt('channelsHint')}</p>
        <div class="pp-channels">
          {MESSAGE_KINDS.map((k) => {
            const pair = draft.channels[k] ?? ['', ''];
            const pick = (i: 0 | 1, v: string) => {
              const next: [ChannelKind | '', ChannelKind | ''] = [...pair];
              next[i] = v as ChannelKind | '';
              set({ channels: { ...draft.channels, [k]: next } });
            };
            return (
              <fieldset class="pp-kind" key={k} data-kind={k}>
                <legend>{pt(`kind-${k}` as PeopleTextKey)}</legend>
                {([0, 1] as const).map((i) => (
                  <label key={i} class="pp-pick">
                    <span>{i === 0 ? pt('first') : pt('second')}</span>
                    <select
                      name={`${k}-${i}`}
                      value={pair[i]}
                      disabled={i === 1 && pair[0] === ''}
                      onChange={(e) => pick(i, (e.target as HTMLSelectElement).value)}
                    >
                      <option value="">
                        {i === 0 ? pt('useDefault', { value: chList(site.defaultChannels[k]) }) : pt('none')}
                      </option>
                      {site.channelKinds.map((c) => (
                        <option key={c} value={c}>
                          {chName(c)}
                        </option>
                      ))}
                    </select>
                  </label>
                ))}
              </fieldset>
            );
          })}
        </div>
      </Section>

      <Section title={pt('quiet')}>
        <label class="check-field">
          <input
            type="checkbox"
            name="quiet"
            checked={draft.quietOn}
            onChange={(e) => set({ quietOn: (e.target as HTMLInputElement).checked })}
          />
          {pt('quietOn')}
        </label>
        {draft.quietOn && (
          <div class="pp-quiet">
            {(['quietStart', 'quietEnd'] as const).map((f) => {
              const err = fieldError(`quietHours.${f === 'quietStart' ? 'start' : 'end'}`);
              return (
                <div class="field" key={f}>
                  <label for={`pp-${f}`}>{pt(f)}</label>
                  <input
                    id={`pp-${f}`}
                    type="time"
                    value={draft[f]}
                    onInput={(e) => set({ [f]: (e.target as HTMLInputElement).value })}
                  />
                  {err && <span class="pp-field-error">{err}</span>}
                </div>
              );
            })}
          </div>
        )}
      </Section>

      <div class="pp-save">
        <button type="submit" class="btn btn-primary" disabled={busy} data-submit="profile">
          {busy ? pt('saving') : pt('save')}
        </button>
        {result && (
          <span
            class={result.ok ? 'pp-ok' : 'form-error'}
            role={result.ok ? 'status' : 'alert'}
            data-result={result.ok ? 'ok' : 'error'}
          >
            {result.ok ? pt('saved') : pt('notSaved', { why: result.why ?? '' })}
          </span>
        )}
      </div>
    </form>
  );
}

export const peopleProfileSection: PeopleSection = {
  id: 'profile',
  label: () => pt('tab-profile'),
  View: () => <ProfileForm path="/me/profile" />,
};
