/** A cron schedule in words, for the common shapes; anything else is shown as written. */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NICKNAMES: Record<string, string> = {
  '@yearly': 'once a year, on 1 January at 00:00',
  '@annually': 'once a year, on 1 January at 00:00',
  '@monthly': 'on the 1st of every month at 00:00',
  '@weekly': 'every Sunday at 00:00',
  '@daily': 'every day at 00:00',
  '@midnight': 'every day at 00:00',
  '@hourly': 'every hour, on the hour'
};

const isNumber = (s: string) => /^\d+$/.test(s);
const step = (s: string) => /^\*\/(\d+)$/.exec(s)?.[1];
const pad = (s: string) => s.padStart(2, '0');
const plural = (n: string, unit: string) => (n === '1' ? `every ${unit}` : `every ${n} ${unit}s`);

export function describeCron(expression: string): string {
  const text = expression.trim();
  const nickname = NICKNAMES[text.toLowerCase()];
  if (nickname) return nickname;
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return text;
  const [second, minute, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const everyDay = dom === '*' && month === '*' && (dow === '*' || dow === '?');
  if (!everyDay) {
    if (dom === '*' && month === '*' && isNumber(dow!) && isNumber(minute!) && isNumber(hour!) && second === '0') {
      return `every ${DAYS[Number(dow) % 7]} at ${pad(hour!)}:${pad(minute!)}`;
    }
    return text;
  }
  if (fields.length === 6 && minute === '*' && hour === '*') {
    if (second === '*') return 'every second';
    const n = step(second!);
    if (n) return plural(n, 'second');
  }
  if (second !== '0') return text;
  if (hour === '*') {
    if (minute === '*') return 'every minute';
    const n = step(minute!);
    if (n) return plural(n, 'minute');
    if (isNumber(minute!)) return minute === '0' ? 'every hour, on the hour' : `every hour at minute ${Number(minute)}`;
  }
  if (isNumber(minute!)) {
    if (isNumber(hour!)) return `every day at ${pad(hour!)}:${pad(minute!)}`;
    const n = step(hour!);
    if (n) return `${plural(n, 'hour')} at minute ${Number(minute)}`;
  }
  return text;
}

/** `4 s`, `2 min 5 s`, `3 h 10 min`: time left until `target`. */
export function countdown(target: number, now: number): string {
  const ms = target - now;
  if (ms <= 0) return 'now';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
