// The live room: one socket (reconnects with backoff and resumes from the last event it
// saw), the server-owned timer, hints, the shared whiteboard, private notes and voice.

const config = JSON.parse(document.getElementById("room-config").textContent);
const $ = (selector) => document.querySelector(selector);
// This page's own id: a reconnecting socket is still this tab. Of one person's tabs, the
// one opened last holds their voice and recording.
const tab = { id: Math.random().toString(36).slice(2, 12) + Date.now().toString(36), openedAt: Date.now() };

// --- socket ---------------------------------------------------------------------------

const socket = {
  ws: null,
  lastSeq: 0,
  backoff: 500,
  handlers: {},
  queue: [],

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.ws = new WebSocket(`${scheme}://${location.host}/ws/room/${config.sessionId}/`);
    this.ws.addEventListener("open", () => {
      this.backoff = 500;
      setStatus("Connected", true);
      this.raw({ type: "hello", last_seq: this.lastSeq, tab: tab.id, opened_at: tab.openedAt });
      for (const message of this.queue.splice(0)) this.raw(message);
    });
    this.ws.addEventListener("message", (event) => this.receive(event.data));
    this.ws.addEventListener("close", (event) => {
      if (event.code === 4403) {
        setStatus("You are not part of this room", false);
        return;
      }
      setStatus(`Reconnecting in ${Math.round(this.backoff / 1000)} s…`, false);
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 15000);
    });
  },

  raw(message) {
    this.ws.send(JSON.stringify(message));
  },

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.raw(message);
    else if (message.type !== "signal") this.queue.push(message);
  },

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!message || typeof message.type !== "string") return;
    if (message.type === "event") {
      if (typeof message.seq !== "number" || message.seq <= this.lastSeq) return; // duplicate
      this.early.set(message.seq, message);
      this.applyInOrder();
      return;
    }
    if (message.type === "snapshot") this.lastSeq = message.seq;
    (this.handlers[message.type] || (() => {}))(message);
    if (message.type === "snapshot") this.applyInOrder();
  },

  // Event numbers have no gaps, but one event can overtake another (two server
  // processes): apply them in order, and ask again for any that stays missing.
  early: new Map(),
  gapTimer: null,

  applyInOrder() {
    for (const seq of this.early.keys()) if (seq <= this.lastSeq) this.early.delete(seq);
    while (this.early.has(this.lastSeq + 1)) {
      const message = this.early.get(this.lastSeq + 1);
      this.early.delete(message.seq);
      this.lastSeq = message.seq;
      (this.handlers[`event:${message.kind}`] || (() => {}))(message.payload);
    }
    if (!this.early.size) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (this.gapTimer === null) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.early.size) this.send({ type: "resume", last_seq: this.lastSeq });
      }, 1000);
    }
  },

  on(type, handler) {
    this.handlers[type] = handler;
  },
};

function setStatus(text, ok) {
  const badge = $("[data-connection]");
  badge.textContent = text;
  badge.classList.toggle("connected", ok);
}

// --- timer ----------------------------------------------------------------------------

let clock = null;
let clockReceivedAt = 0;

function applyClock(payload) {
  clock = payload;
  clockReceivedAt = performance.now();
  // The question was held back until the round starts: fetch the page that shows it.
  if (config.questionHidden && payload.running) location.reload();
  const ended = document.querySelector("[data-round-ended]");
  if (ended) ended.hidden = !payload.ended;
  renderClock();
}

function format(seconds) {
  const s = Math.abs(Math.round(seconds));
  return `${seconds < 0 ? "-" : ""}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// The bank's phase plans, for the reason a phase is shorter than the documents' minimum.
const phasePlans = JSON.parse(document.getElementById("phase-plans")?.textContent || "[]");

function phaseNote(phases, index) {
  const same = (plan) => plan.phases.length === phases.length && plan.phases.every(
    (p, i) => p.key === phases[i].key && p.minutes === phases[i].minutes);
  const plan = phasePlans.find(same);
  const reason = plan && plan.phases[index] ? plan.phases[index].shortened : "";
  return reason ? `Shortened below the documents' minimum: ${reason}` : "";
}

function renderClock() {
  if (!clock || !Array.isArray(clock.phases) || !clock.phases.length) return;
  const extra = clock.running ? (performance.now() - clockReceivedAt) / 1000 : 0;
  const phase = clock.phases[clock.phase_index] || clock.phases[0];
  const phaseLeft = phase.minutes * 60 - (clock.phase_seconds + extra);
  const total = clock.phases.reduce((sum, p) => sum + p.minutes * 60, 0);
  const roundLeft = total - (clock.round_seconds + extra);
  $("[data-phase-name]").textContent = `${phase.name} (${clock.phase_index + 1}/${clock.phases.length})`;
  const note = $("[data-phase-note]");
  note.textContent = phaseNote(clock.phases, clock.phase_index);
  note.hidden = !note.textContent;
  const left = $("[data-phase-left]");
  left.textContent = format(phaseLeft);
  left.classList.toggle("over", phaseLeft < 0);
  $("[data-round-left]").textContent = format(roundLeft);
  $("[data-running]").textContent = clock.running ? "" : "(paused)";
}
setInterval(renderClock, 500);

// --- hints ----------------------------------------------------------------------------

function showHint(hint) {
  const list = $("[data-hints]");
  if (list.querySelector(`[data-hint-index="${hint.index}"]`)) return;
  const item = document.createElement("li");
  item.className = "hint";
  item.dataset.hintIndex = hint.index;
  item.value = hint.index + 1;
  item.textContent = hint.text;
  list.appendChild(item);
  const button = document.querySelector(`[data-reveal="${hint.index}"]`);
  if (button) {
    button.disabled = true;
    button.textContent = "Shown";
  }
}

document.querySelectorAll("[data-reveal]").forEach((button) => {
  button.addEventListener("click", () =>
    socket.send({ type: "reveal_hint", index: Number(button.dataset.reveal) }));
});
document.querySelectorAll("[data-clock]").forEach((button) => {
  button.addEventListener("click", () => {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    socket.send({ type: "clock", action: button.dataset.clock });
  });
});

// --- notes ----------------------------------------------------------------------------

const notes = $("[data-notes]");
if (notes) {
  let timer = null;
  notes.addEventListener("input", () => {
    $("[data-notes-status]").textContent = "saving…";
    clearTimeout(timer);
    timer = setTimeout(() => socket.send({ type: "notes", text: notes.value }), 600);
  });
  socket.on("notes_saved", () => {
    $("[data-notes-status]").textContent = "saved";
  });
}

// --- whiteboard -----------------------------------------------------------------------

let board = null;
let pendingElements = [];

async function whiteboardApi() {
  for (let i = 0; i < 200 && !window.MockloopWhiteboard; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return window.MockloopWhiteboard;
}

async function mountBoard(elements) {
  const api = await whiteboardApi();
  if (!api) {
    $("[data-whiteboard]").textContent = "The whiteboard failed to load.";
    return;
  }
  if (board) {
    board.applyRemote(elements);
    return;
  }
  board = api.mount($("[data-whiteboard]"), {
    initialElements: elements,
    viewMode: config.role === "observer",
    onLocalChange: (changed) => {
      if (changed.length) socket.send({ type: "whiteboard", elements: changed });
    },
  });
  window.mockloopBoard = board;
  if (pendingElements.length) board.applyRemote(pendingElements.splice(0));
}

function download(name, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

document.querySelectorAll("[data-export]").forEach((button) => {
  button.addEventListener("click", async () => {
    if (!board) return;
    const base = `mockloop-${config.sessionId}-whiteboard`;
    if (button.dataset.export === "png") download(`${base}.png`, await board.exportPng());
    else download(`${base}.svg`, new Blob([await board.exportSvg()], { type: "image/svg+xml" }));
  });
});

// --- events from the server ------------------------------------------------------------

socket.on("snapshot", (snapshot) => {
  if (snapshot.round !== config.round) {
    location.reload();
    return;
  }
  applyClock(snapshot.clock);
  (snapshot.hints || []).forEach(showHint);
  mountBoard(snapshot.elements || []);
});
socket.on("event:clock", applyClock);
socket.on("event:round", () => location.reload());
socket.on("event:hint", (payload) => {
  if (payload.round === config.round) showHint(payload);
});
socket.on("event:whiteboard", (payload) => {
  if (!Array.isArray(payload.elements)) return;
  if (board) board.applyRemote(payload.elements);
  else pendingElements.push(...payload.elements);
});
socket.on("reload", () => location.reload());
socket.on("error", (message) => {
  const box = $("[data-voice-error]") || $("[data-connection]");
  if (message.code === "rate_limited" || message.code === "too_large") box.textContent = message.message;
  console.warn("room:", message.code, message.message);
});

// --- presence and voice ---------------------------------------------------------------

// A person is here while any of their tabs is. `voiceTabs` maps each present person to
// the tab holding their voice: when the peer's changes, the call starts again with it.
let voiceTabs = new Map();
let voiceHere = null; // unknown until the first notice

socket.on("presence", (message) => {
  if (!Array.isArray(message.present)) return;
  const now = new Map(message.present.map((entry) => [entry.user, entry.tab]));
  const mine = now.get(config.userId);
  if (mine !== undefined) {
    const here = mine === tab.id;
    if (voiceHere === true && !here) moveVoiceAway();
    else if (voiceHere === false && here) location.reload(); // the newer tab closed
    voiceHere = here;
  }
  const others = [...now.keys()].filter((id) => id !== config.userId);
  const names = others.map((id) => (config.people || {})[id] || "someone");
  $("[data-presence]").textContent = names.length ? `here: ${names.join(", ")}` : "nobody else here yet";
  if (voice && voiceHere !== false) {
    for (const id of others) if (voiceTabs.get(id) !== now.get(id)) voice.peerArrived(id);
  }
  voiceTabs = now;
});

const reclaim = $("[data-voice-reclaim]");
if (reclaim) reclaim.addEventListener("click", () => location.reload());

function moveVoiceAway() {
  if (voice) voice.stop();
  if (window.mockloopRecorder) window.mockloopRecorder.recorder.stop();
  const notice = $("[data-voice-moved]");
  if (notice) notice.hidden = false;
}

let voice = null;
if (config.role !== "observer") voice = startVoice();

// One side calls, the other answers, so offers never cross: the participant with the
// lower user id is the caller. Every offer starts a new negotiation with its own id; an
// answer or ICE candidate for any other negotiation is stale and dropped.
function startVoice() {
  const state = $("[data-voice-state]");
  const errorBox = $("[data-voice-error]");
  let pc = null;
  let stream = null;
  let peerId = null;
  let negotiation = null;
  let watchdog = null;
  let stopped = false; // this tab handed the voice to a newer one
  const myCall = Math.random().toString(36).slice(2) + Date.now().toString(36);

  function isCaller(userId) {
    return config.userId < userId;
  }

  function send(data) {
    socket.send({ type: "signal", data: { ...data, call: negotiation } });
  }

  function newConnection(id) {
    if (pc) pc.close();
    negotiation = id;
    const current = new RTCPeerConnection({ iceServers: config.iceServers || [] });
    pc = current;
    if (stream) stream.getTracks().forEach((track) => current.addTrack(track, stream));
    else current.addTransceiver("audio", { direction: "recvonly" });
    current.onconnectionstatechange = () => {
      if (current !== pc) return;
      state.textContent = current.connectionState;
      state.dataset.state = current.connectionState;
    };
    current.ontrack = (event) => {
      $("[data-remote-audio]").srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    current.onicecandidate = (event) => {
      if (current === pc) send({ candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    return current;
  }

  async function call() {
    if (peerId === null) return;
    const current = newConnection(`${myCall}-${Date.now()}`);
    try {
      await current.setLocalDescription(await current.createOffer());
      if (current === pc) send({ description: current.localDescription.toJSON() });
    } catch (err) {
      console.warn("voice offer failed", err);
    }
    clearTimeout(watchdog);
    // A lost signal would leave the call hanging: try again while it is not connected.
    watchdog = setTimeout(() => {
      if (current === pc && current.connectionState !== "connected") call();
    }, 10000);
  }

  async function answer(offer, id) {
    const current = newConnection(id);
    try {
      await current.setRemoteDescription(offer);
      await current.setLocalDescription(await current.createAnswer());
      if (current === pc) send({ description: current.localDescription.toJSON() });
    } catch (err) {
      console.warn("voice answer failed", err);
    }
  }

  const early = [];

  async function onSignal(message) {
    if (stopped) return;
    if (!stream && !micSettled) {
      early.push(message); // the peer's offer can beat our own microphone prompt
      return;
    }
    const { description, candidate, call: id } = message.data || {};
    if (peerId === null) peerId = message.from;
    if (message.from !== peerId) return;
    try {
      if (description && description.type === "offer") {
        await answer(description, id);
      } else if (id !== negotiation || !pc) {
        return; // belongs to an earlier negotiation
      } else if (description && description.type === "answer") {
        if (pc.signalingState === "have-local-offer") await pc.setRemoteDescription(description);
      } else if (candidate !== undefined) {
        await pc.addIceCandidate(candidate || undefined);
      }
    } catch (err) {
      console.warn("voice signal failed", err);
    }
  }
  socket.on("signal", onSignal);

  function meter(mediaStream) {
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(mediaStream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const v of samples) peak = Math.max(peak, Math.abs(v - 128) / 128);
      $("[data-level]").value = peak;
    }, 100);
  }

  $("[data-mute]").addEventListener("click", (event) => {
    if (!stream) return;
    const track = stream.getAudioTracks()[0];
    track.enabled = !track.enabled;
    event.target.textContent = track.enabled ? "Mute" : "Unmute";
    event.target.setAttribute("aria-pressed", String(!track.enabled));
  });

  let micSettled = false;
  const ready = navigator.mediaDevices.getUserMedia({ audio: true }).then(
    (media) => {
      stream = media;
      meter(media);
    },
    (err) => {
      errorBox.textContent = err && err.name === "NotAllowedError"
        ? "Microphone blocked: allow it for this site in your browser's settings, then reload. You can still hear your peer and use the whiteboard."
        : "No microphone found: you can still hear your peer and use the whiteboard.";
    },
  ).finally(async () => {
    micSettled = true;
    for (const message of early.splice(0)) await onSignal(message);
  });
  state.textContent = "waiting for your peer";

  return {
    async peerArrived(userId) {
      await ready;
      if (stopped) return;
      peerId = userId;
      if (isCaller(userId)) await call();
    },
    stop() {
      stopped = true;
      clearTimeout(watchdog);
      if (pc) pc.close();
      pc = null;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      state.textContent = "in your newer tab";
      state.dataset.state = "moved";
    },
  };
}

// --- layout ---------------------------------------------------------------------------

// The side panel folds away so the whiteboard can take the whole width; the choice is
// remembered for the next room.
const layout = $("[data-room-layout]");
const panelToggle = $("[data-panel-toggle]");
function showPanel(open) {
  layout.dataset.panel = open ? "open" : "closed";
  panelToggle.setAttribute("aria-expanded", String(open));
  panelToggle.textContent = open ? "Hide side panel" : "Show side panel";
  try {
    localStorage.setItem("mockloop.roomPanel", open ? "open" : "closed");
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
}
if (layout && panelToggle) {
  let saved = null;
  try {
    saved = localStorage.getItem("mockloop.roomPanel");
  } catch {
    saved = null;
  }
  if (saved === "closed") showPanel(false);
  panelToggle.addEventListener("click", () => showPanel(layout.dataset.panel !== "open"));
}

// Other modules of the page (the recorder) listen on the same socket.
window.mockloopRoom = { socket, config, holdsVoice: () => voiceHere !== false };
socket.connect();
