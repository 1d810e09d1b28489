import { useEffect, useState } from 'preact/hooks';

/**
 * An audible cue for new critical alerts, only when the user turned it on (kept in localStorage, off by
 * default): a short double beep made with Web Audio, no sound file. The audio context is made when the user
 * turns the sound on (a click, which browsers require before a page may play sound).
 */

const KEY = 'hub.alerts.sound';
let ctx: AudioContext | undefined;

export const soundWanted = (): boolean => globalThis.localStorage?.getItem(KEY) === 'on';

function audio(): AudioContext | undefined {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    return ctx;
  } catch {
    return undefined;
  }
}

/** Two short 880 Hz tones; nothing unless the user turned the sound on. */
export function beep(): void {
  if (!soundWanted()) return;
  const ac = audio();
  if (!ac) return;
  const t0 = ac.currentTime + 0.02;
  for (const start of [t0, t0 + 0.22]) {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = 'sine';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(ac.destination);
    osc.start(start);
    osc.stop(start + 0.18);
  }
}

/** The toggle's state; turning it on (a user gesture) unlocks audio and plays the beep once as a sample. */
export function useSound(): [boolean, (on: boolean) => void] {
  const [on, set] = useState(soundWanted);
  // Turned on earlier (another visit): the browser lets audio start at the user's first click or key here.
  useEffect(() => {
    if (!on || ctx?.state === 'running') return;
    const unlock = () => void audio();
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });
    return () => {
      document.removeEventListener('pointerdown', unlock);
      document.removeEventListener('keydown', unlock);
    };
  }, [on]);
  const change = (next: boolean) => {
    localStorage.setItem(KEY, next ? 'on' : 'off');
    set(next);
    if (next) beep();
  };
  return [on, change];
}
