// Recording in the room: consent, a visible indicator, this browser's microphone recorded
// in one-second chunks and uploaded in order (queued while offline, resent on reconnect),
// and the live transcript of both speakers from the room's event log.

const room = window.mockloopRoom;
const bar = document.querySelector("[data-recording]");
const liveList = document.querySelector("[data-live-transcript]");
const roundId = Number((bar || liveList).dataset.roundId);
const role = room.config.role;
const isParticipant = role === "interviewer" || role === "candidate";
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
// A closed tab loses at most the chunk being recorded.
const TIMESLICE_MS = 1000;
const KEEPALIVE_BUDGET = 60000; // bytes a browser carries on after the page is gone
const $in = (selector) => (bar ? bar.querySelector(selector) : null);

function stamp(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

// --- live transcript ---------------------------------------------------------------------

const shown = new Map();

function showSegments(segments) {
  for (const segment of segments || []) {
    if (typeof segment.id !== "number" || typeof segment.text !== "string") continue;
    let line = shown.get(segment.id);
    if (!line) {
      line = document.createElement("li");
      line.id = `live-seg-${segment.id}`;
      shown.set(segment.id, line);
    }
    line.dataset.start = segment.start;
    line.dataset.role = segment.role;
    line.replaceChildren();
    const time = document.createElement("span");
    time.className = "muted small";
    time.textContent = `[${stamp(segment.start)}] `;
    const label = document.createElement("b");
    label.textContent = `${String(segment.role).toUpperCase()}: `;
    line.append(time, label, document.createTextNode(segment.text));
    const next = [...liveList.children].find((other) => other !== line
      && Number(other.dataset.start) > segment.start);
    liveList.insertBefore(line, next || null);
  }
  liveList.scrollTop = liveList.scrollHeight;
}

room.socket.on("event:transcript", (payload) => {
  if (payload && payload.round_id === roundId) showSegments(payload.segments);
});

async function loadTranscript() {
  const response = await fetch(`/api/rounds/${roundId}/transcript/`, { credentials: "same-origin" });
  if (response.ok) showSegments((await response.json()).segments);
}

// --- consent and the indicator -----------------------------------------------------------

let state = { version: -1, on: false };

function applyState(next) {
  if (!next || next.round_id !== roundId || next.version < state.version) return;
  state = next;
  if (!bar) return;
  const mine = isParticipant && next[`${role}_agreed`];
  const other = role === "interviewer" ? next.candidate_agreed : next.interviewer_agreed;
  const pausedByMe = next.paused_by === room.config.userId;
  bar.dataset.state = next.on ? "on" : next.paused_by ? "paused" : "off";
  $in("[data-rec-label]").textContent = next.on ? "Recording"
    : next.paused_by ? `Recording paused by ${pausedByMe ? "you" : (room.config.people || {})[next.paused_by] || "your peer"}`
      : "Not recording";
  $in("[data-rec-consent]").textContent = next.on || next.paused_by ? ""
    : mine ? "You agreed; recording starts when your peer agrees too."
      : other ? "Your peer agreed to record this round; recording starts when you agree."
        : "Recording starts only when both of you agree.";
  const agree = $in("[data-rec-agree]");
  if (agree) agree.hidden = !isParticipant || mine;
  const pause = $in("[data-rec-pause]");
  if (pause) pause.hidden = !isParticipant || !next.on;
  const resume = $in("[data-rec-resume]");
  if (resume) resume.hidden = !pausedByMe;
  if (isParticipant) {
    if (next.on) recorder.start();
    else recorder.stop();
  }
}

room.socket.on("event:recording", applyState);

async function command(action) {
  const response = await fetch(`/api/rounds/${roundId}/recording/${action}/`, {
    method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) applyState(body);
  else showError(body.error ? body.error.message : `could not ${action} (${response.status})`);
}

function showError(text) {
  const box = $in("[data-rec-error]");
  if (box) box.textContent = text;
}

for (const action of ["agree", "pause", "resume"]) {
  const button = $in(`[data-rec-${action}]`);
  if (button) button.addEventListener("click", () => command(action));
}

// --- the recorder and the upload queue ---------------------------------------------------

const uploads = {
  queue: [],
  sending: false,
  backoff: 1000,
  finalsSent: 0, // takes whose end the server has acknowledged

  push(item) {
    this.queue.push(item);
    this.pump();
  },

  status() {
    const status = $in("[data-rec-upload]");
    if (!status) return;
    const waiting = this.queue.length;
    status.textContent = !waiting ? "" : navigator.onLine === false || this.backoff > 1000
      ? `offline: ${waiting} chunk${waiting === 1 ? "" : "s"} kept, sent when the network is back`
      : `uploading ${waiting}…`;
    status.dataset.waiting = String(waiting);
  },

  async pump() {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length) {
        this.status();
        const item = this.queue[0];
        let response;
        try {
          response = await send(item);
        } catch {
          response = null; // offline or the server is unreachable: keep it, in order
        }
        if (response && (response.ok || (response.status >= 400 && response.status < 500))) {
          if (response.ok && item.final) this.finalsSent += 1;
          if (!response.ok) {
            const body = await response.json().catch(() => ({}));
            showError(body.error ? body.error.message : `upload refused (${response.status})`);
          }
          this.queue.shift();
          this.backoff = 1000;
          continue;
        }
        this.status();
        await new Promise((resolve) => setTimeout(resolve, this.backoff));
        this.backoff = Math.min(this.backoff * 2, 10000);
      }
    } finally {
      this.sending = false;
      this.status();
    }
  },
};
window.addEventListener("online", () => {
  uploads.backoff = 1000;
  uploads.pump();
});

async function sha256(buffer) {
  if (!crypto.subtle) return "";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(item) {
  return put(item, await sha256(item.buffer));
}

function put(item, digest) {
  const headers = {
    "Content-Type": "audio/webm", "X-CSRFToken": csrf,
    "X-Recording-Started": String(item.startedAt), "X-Client-Time": String(Date.now()),
  };
  if (item.final) headers["X-Final"] = "1";
  if (digest) headers["X-Content-SHA256"] = digest;
  return fetch(`/api/rounds/${roundId}/recording/${item.key}/${item.seq}/`, {
    method: "PUT", credentials: "same-origin", headers, body: item.buffer,
    keepalive: item.buffer.byteLength < KEEPALIVE_BUDGET, // survives leaving the page
  });
}

// The page is going away (tab closed, navigated off): everything queued is sent now, all
// at once and without the checksum (hashing waits for a task the page will not get), and
// the take's last chunk again marked final, so the server ends the take and transcribes
// it to its last word. The server stores each chunk once and orders them itself.
function flushOnLeave(take) {
  let budget = KEEPALIVE_BUDGET;
  const items = uploads.queue.filter((item) => item.buffer);
  if (take && take.lastReady) items.push({ ...take.lastReady, final: true });
  for (const item of items) {
    budget -= item.buffer.byteLength;
    if (budget < 0) break; // the rest waits for the server's idle sweep to end the take
    put(item, "").catch(() => {});
  }
}

const recorder = {
  media: null,
  active: null, // {recorder, key, seq, startedAt, last}

  async microphone() {
    if (!this.media) this.media = navigator.mediaDevices.getUserMedia({ audio: true });
    return this.media;
  },

  async start() {
    if (this.active || this.starting || !room.holdsVoice()) return;
    this.starting = true;
    try {
      const stream = await this.microphone();
      if (!state.on || this.active) return;
      const mediaRecorder = new MediaRecorder(stream, {
        mimeType: "audio/webm;codecs=opus", audioBitsPerSecond: 32000,
      });
      const take = {
        recorder: mediaRecorder, seq: 0, startedAt: Date.now(), last: null,
        key: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
      };
      mediaRecorder.addEventListener("dataavailable", (event) => {
        if (!event.data || !event.data.size) return;
        const item = { key: take.key, seq: take.seq, startedAt: take.startedAt, final: false };
        take.seq += 1;
        take.last = item;
        item.ready = event.data.arrayBuffer().then((buffer) => {
          item.buffer = buffer;
          if (!take.lastReady || take.lastReady.seq < item.seq) take.lastReady = item;
          uploads.push(item);
        });
      });
      mediaRecorder.addEventListener("stop", () => {
        // The last chunk again, marked final: the server stores it once and knows the
        // take is complete.
        const last = take.last;
        if (last) last.ready.then(() => uploads.push({ ...last, final: true }));
      });
      mediaRecorder.start(TIMESLICE_MS);
      this.active = take;
      showError("");
    } catch (err) {
      showError(err && err.name === "NotAllowedError"
        ? "Microphone blocked: your side is not being recorded."
        : "Your side cannot be recorded (no microphone or recorder).");
    } finally {
      this.starting = false;
    }
  },

  stop() {
    const take = this.active;
    this.active = null;
    if (take && take.recorder.state !== "inactive") take.recorder.stop();
  },
};

// Before the room reloads (the next round, or too far behind), end the take cleanly.
for (const type of ["event:round", "reload"]) {
  const original = room.socket.handlers[type];
  room.socket.on(type, (payload) => {
    recorder.stop();
    const wait = () => (uploads.queue.length && Date.now() - stoppedAt < 4000
      ? setTimeout(wait, 100) : original && original(payload));
    const stoppedAt = Date.now();
    setTimeout(wait, 300);
  });
}
window.addEventListener("pagehide", () => {
  const take = recorder.active;
  recorder.stop();
  flushOnLeave(take);
});
// A hidden tab may be frozen or discarded without a pagehide: hand over what is recorded.
document.addEventListener("visibilitychange", () => {
  const take = recorder.active;
  if (document.visibilityState === "hidden" && take && take.recorder.state === "recording") {
    take.recorder.requestData();
  }
});

async function loadState() {
  const response = await fetch(`/api/rounds/${roundId}/recording/`, { credentials: "same-origin" });
  if (response.ok) applyState(await response.json());
}

loadState();
loadTranscript();
window.mockloopRecorder = { recorder, uploads, state: () => state };
