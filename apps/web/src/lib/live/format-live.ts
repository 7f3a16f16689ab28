/** "4 min 05 s", "58 s", "1 h 02 min": a duration as an operator reads it on a countdown. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Time left until a drain's deadline: "4 min 05 s left", or "deadline passed" once it is over. */
export function formatTimeLeft(deadlineAt: Date | string, now: Date = new Date()): string {
  const left = (new Date(deadlineAt).getTime() - now.getTime()) / 1000;
  if (left <= 0) return 'deadline passed';
  return `${formatDuration(left)} left`;
}

/** How old a reading is: "read just now", "read 3 s ago", "read 2 min ago". */
export function formatReadAge(capturedAt: Date | string, now: Date = new Date()): string {
  const age = (now.getTime() - new Date(capturedAt).getTime()) / 1000;
  if (age < 1) return 'read just now';
  if (age < 60) return `read ${Math.floor(age)} s ago`;
  if (age < 3600) return `read ${Math.floor(age / 60)} min ago`;
  return `read ${Math.floor(age / 3600)} h ago`;
}

const BYTE_UNITS = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];

/** Bytes per second in decimal units with three significant digits: "812 B/s", "1.25 MB/s". */
export function formatBytesPerSecond(value: number): string {
  let v = Math.max(0, value);
  let unit = 0;
  while (v >= 1000 && unit < BYTE_UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** A per-second rate: whole numbers as they are, small rates with one decimal ("0.4"). */
export function formatRate(value: number): string {
  if (value >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return value.toFixed(1);
}
