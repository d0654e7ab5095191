// Preloaded into a harness (`node --import`) by the reliability bench: stalls its event loop at
// random, busy for up to STALL_MS at a time, every 50-500 ms. A check that leans on the harness
// answering on time (the gap between two submits, a poll that must come before an exit) then
// shows it, while the engines and chains it starts run at their own pace. Unref'd: it never keeps
// the harness alive.
const STALL_MS = 1_000;

function stallLater(): void {
  setTimeout(() => {
    const end = Date.now() + Math.random() * STALL_MS;
    while (Date.now() < end) {
      // busy: the event loop runs nothing meanwhile
    }
    stallLater();
  }, 50 + Math.random() * 450).unref();
}

stallLater();
