// The floor for bench/relay.py: clients join a room by URL path and every message is
// sent to every client of that room, the sender included (as our room socket does).
// Usage: node relay.js <port>   (listens on 127.0.0.1)
const { WebSocketServer } = require("ws");

const rooms = new Map();
const server = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] || 8765) });
server.on("connection", (socket, request) => {
  const room = rooms.get(request.url) || new Set();
  rooms.set(request.url, room.add(socket));
  socket.on("message", (data, isBinary) => {
    for (const peer of room) peer.send(data, { binary: isBinary });
  });
  socket.on("close", () => room.delete(socket) && room.size === 0 && rooms.delete(request.url));
});
server.on("listening", () => console.log("listening"));
