// The transcript page's player: each take has its own <audio>, placed on the round's
// timeline by its offset, so playing "from a line" starts every voice at that moment.

const players = [...document.querySelectorAll("audio[data-take]")];
const nowPlaying = document.querySelector("[data-now-playing]");
const playFrom = document.querySelector("[data-play-from]");

function stamp(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

// Resolves once the audio knows its timeline, or gives up after a few seconds (a take
// that fails to load must not hold up the others).
function whenReady(audio) {
  if (audio.readyState >= 1 || audio.error) return Promise.resolve();
  return new Promise((resolve) => {
    audio.addEventListener("loadedmetadata", resolve, { once: true });
    audio.addEventListener("error", resolve, { once: true });
    setTimeout(resolve, 5000);
  });
}

async function seekAll(t) {
  await Promise.all(players.map(async (audio) => {
    await whenReady(audio);
    const local = t - Number(audio.dataset.offset);
    // Times are rounded to hundredths: a line at a take's very start may sit a hair early.
    const inside = !audio.error && local > -0.5
      && !(Number.isFinite(audio.duration) && local >= audio.duration);
    audio.dataset.inside = inside ? "1" : "";
    audio.currentTime = Math.max(0, local);
  }));
}

async function playAt(t, line = null) {
  players.forEach((audio) => audio.pause());
  await seekAll(t);
  const failures = [];
  await Promise.all(players.filter((a) => a.dataset.inside)
    .map((a) => a.play().catch((err) => failures.push(err.message))));
  if (nowPlaying) {
    nowPlaying.textContent = failures.length ? `could not play: ${failures.join("; ")}`
      : `playing from ${stamp(t)}`;
  }
  markLine(t, line);
}

function markLine(t, line = null) {
  let current = line;
  document.querySelectorAll("[data-testid=transcript] li").forEach((other) => {
    if (!line && Number(other.dataset.start) <= t + 0.05) current = other;
    other.classList.remove("current");
  });
  if (current) current.classList.add("current");
}

// Lines are replaced while transcription runs (htmx), so listen on the document.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-play]");
  if (button) playAt(Number(button.dataset.play), button.closest("li"));
});

document.querySelector("[data-stop]")?.addEventListener("click", () => {
  players.forEach((audio) => audio.pause());
  if (nowPlaying) nowPlaying.textContent = "";
});

// A citation link (?t=…#seg-…) opens at its line, ready to play from its time.
const cited = Number(new URLSearchParams(location.search).get("t"));
if (players.length && Number.isFinite(cited) && new URLSearchParams(location.search).has("t")) {
  const citedLine = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  seekAll(cited);
  markLine(cited, citedLine);
  playFrom.hidden = false;
  playFrom.textContent = `▶ Play from ${stamp(cited)}`;
  playFrom.addEventListener("click", () => playAt(cited, citedLine));
}
window.mockloopTranscript = { players, playAt };
