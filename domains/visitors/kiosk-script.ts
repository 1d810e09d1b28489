/**
 * The registration page's script, served as a file at /visit/kiosk.js (the CSP's script-src 'self' refuses
 * inline scripts). Plain ES2020 for any kiosk browser: the host search as the visitor types (no request
 * below the minimum length), the host picked from the results, the form sent as JSON, the answer shown.
 */
export const KIOSK_SCRIPT = `'use strict';
(() => {
  const form = document.getElementById('visit-form');
  if (!form) return;
  const t = form.dataset;
  const $ = (id) => document.getElementById(id);
  const q = $('host-q'), results = $('host-results'), hint = $('host-hint'), status = $('status');
  const fill = (s, v) => s.replace(/\\{(\\w+)\\}/g, (m, k) => (k in v ? v[k] : m));
  const show = (text, kind) => { status.textContent = text; status.className = 'status ' + (kind || ''); };
  let timer, asked = '';

  async function find() {
    const value = q.value.trim();
    if (value === asked) return;
    const min = /\\p{Script=Han}/u.test(value) ? Number(t.minCjk) : Number(t.minOther);
    results.replaceChildren();
    if ([...value].length < min) { asked = ''; hint.textContent = value ? fill(t.minChars, { n: min }) : ''; return; }
    asked = value;
    hint.textContent = '';
    const res = await fetch('/api/v1/public/hosts?q=' + encodeURIComponent(value), { headers: { accept: 'application/json' } });
    if (value !== asked) return; // a newer search is on its way
    if (res.status === 429) { hint.textContent = t.tooMany; asked = ''; return; }
    if (!res.ok) { hint.textContent = fill(t.failed, { why: res.status }); asked = ''; return; }
    const { hosts } = await res.json();
    if (!hosts.length) hint.textContent = t.noMatch;
    for (const h of hosts) {
      const li = document.createElement('li');
      const label = document.createElement('label');
      const radio = document.createElement('input');
      radio.type = 'radio'; radio.name = 'host'; radio.value = h.token;
      radio.dataset.name = h.name;
      if (hosts.length === 1) radio.checked = true;
      label.append(radio, document.createTextNode(h.name));
      li.append(label);
      results.append(li);
    }
  }
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 300); });
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); find(); } });
  $('host-find').addEventListener('click', () => { asked = ''; find(); });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const host = form.querySelector('input[name="host"]:checked');
    if (!host) { show(t.pickHost, 'error'); q.focus(); return; }
    const v = (id) => $(id).value.trim();
    const body = { name: v('name'), phone: v('phone'), email: v('email') || undefined, company: v('company') || undefined,
      purpose: v('purpose'), from: v('from'), until: v('until'), host: host.value, language: t.lang };
    const button = $('submit');
    button.disabled = true;
    show(t.sending);
    try {
      const res = await fetch('/api/v1/public/visits', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
      const answer = await res.json().catch(() => ({}));
      if (res.status === 201) {
        // a shared kiosk: the next visitor sees none of this one's details, and a fresh form after a minute
        form.reset();
        results.replaceChildren();
        form.hidden = true;
        show(fill(t.done, { name: body.name, host: answer.host }), 'ok');
        $('again').hidden = false;
        setTimeout(() => location.assign($('again').href), 60000);
        return;
      }
      if (res.status === 429) { show(t.tooMany, 'error'); return; }
      const why = (answer.errors || []).map((x) => x.path.replace(/^body\\.?/, '') + ': ' + x.message).join('; ') || answer.detail || res.status;
      show(fill(t.failed, { why }), 'error');
    } catch (err) {
      show(fill(t.failed, { why: String(err) }), 'error');
    } finally {
      button.disabled = false;
    }
  });
})();
`;
