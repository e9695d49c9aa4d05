// Check-in with a phone's camera: reads the ticket's QR code and submits it like a typed code.
// Chromium on Android has BarcodeDetector; elsewhere jsQR (npm, served as our own static file)
// reads the camera frames. Without a camera or without JavaScript, typing the code still works.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const scanner = document.querySelector("[data-scanner]");
  const form = document.querySelector("form[data-check-in]");
  if (!scanner || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  const input = form.querySelector("input[name=code]");
  const video = scanner.querySelector("video");
  const start = scanner.querySelector("[data-scan-start]");
  const stop = scanner.querySelector("[data-scan-stop]");
  const status = scanner.querySelector("[data-scan-status]");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const TICKET = /^[0-9A-F]{10}$/;
  // Keeps scanning after each check-in (the page reloads) until the camera is stopped.
  const KEY = "klynge-check-in-scanning";
  // The ticket just checked in is still in front of the camera after the page reloads.
  const LAST = "klynge-check-in-last";
  let stream = null;
  let detector = null;
  let timer = null;

  const say = (name) => {
    status.textContent = scanner.dataset[name] || "";
  };

  async function makeDetector() {
    if (!("BarcodeDetector" in window)) {
      return null;
    }
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    } catch (error) {
      return null;
    }
  }

  async function read() {
    if (video.readyState < video.HAVE_ENOUGH_DATA) {
      return null;
    }
    if (detector) {
      const codes = await detector.detect(video);
      return codes.length ? codes[0].rawValue : null;
    }
    if (typeof window.jsQR !== "function") {
      return null;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return code ? code.data : null;
  }

  function halt() {
    window.clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
    }
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  async function tick() {
    scanner.dataset.reads = String(Number(scanner.dataset.reads || 0) + 1);
    let text = null;
    try {
      text = await read();
    } catch (error) {
      text = null;
    }
    text = text ? text.trim().toUpperCase() : "";
    if (TICKET.test(text) && text !== sessionStorage.getItem(LAST)) {
      sessionStorage.setItem(LAST, text);
      say("found");
      input.value = text;
      halt();
      form.requestSubmit();
      return;
    }
    if (text && !TICKET.test(text)) {
      say("notTicket");
    }
    timer = window.setTimeout(tick, 150);
  }

  async function begin() {
    say("starting");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } },
        audio: false,
      });
    } catch (error) {
      sessionStorage.removeItem(KEY);
      say("denied");
      return;
    }
    detector = await makeDetector();
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    await video.play();
    sessionStorage.setItem(KEY, "1");
    say("scanning");
    tick();
  }

  start.addEventListener("click", begin);
  stop.addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(LAST);
    halt();
    say("stopped");
  });
  scanner.hidden = false;
  if (sessionStorage.getItem(KEY)) {
    begin();
  }
});
