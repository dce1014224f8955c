// The two consoles: serial in xterm.js, VNC in noVNC, each on the gateway's WebSocket.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import RFB from "@novnc/novnc";

const encoder = new TextEncoder();

/**
 * Opens a serial console in an xterm.js terminal. The gateway sends and takes binary messages:
 * what the guest writes goes to the terminal as bytes, what the user types goes back as UTF-8.
 * @returns {{terminal: Terminal, close: () => void}}
 */
export function openSerial(element, url, onState) {
  const terminal = new Terminal({ convertEol: false, cursorBlink: true, scrollback: 5000 });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(element);
  fit.fit();
  const resize = () => fit.fit();
  window.addEventListener("resize", resize);

  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => {
    onState("connected");
    terminal.focus();
  };
  socket.onmessage = (message) => terminal.write(new Uint8Array(message.data));
  socket.onclose = (close) => onState(`closed (${close.code}${close.reason ? ": " + close.reason : ""})`);
  socket.onerror = () => onState("refused or lost");
  const send = (text) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(text));
  };
  terminal.onData(send);
  terminal.onBinary((bytes) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
  });

  return {
    terminal,
    close() {
      window.removeEventListener("resize", resize);
      socket.close(1000);
      terminal.dispose();
    },
  };
}

/**
 * Opens a VNC console in noVNC. The gateway's WebSocket is RFB from its first byte; it answers
 * the "binary" subprotocol noVNC offers. The gateway checked the caller, so the console asks nothing more.
 * @returns {{rfb: RFB, close: () => void}}
 */
export function openVnc(element, url, onState) {
  const rfb = new RFB(element, url, { wsProtocols: ["binary"] });
  rfb.scaleViewport = true;
  rfb.addEventListener("connect", () => onState("connected"));
  rfb.addEventListener("disconnect", (event) => onState(event.detail.clean ? "closed" : "lost"));
  rfb.addEventListener("securityfailure", (event) => onState(`security failure: ${event.detail.reason ?? event.detail.status}`));
  return {
    rfb,
    close() {
      rfb.disconnect();
    },
  };
}
