/*
 * The camera scanner of the scan and stocktake pages.
 *
 * Codes are decoded in the page by the barcode-detector polyfill over zxing-wasm, both served
 * from our own /static/vendor (the polyfill would fetch its .wasm from a CDN otherwise). The
 * markup is templates/scan/_scanner.html; everything it needs comes in data- attributes:
 *   data-mode         "open": open the asset a code names; "stocktake": post every code
 *   data-detector-src the polyfill's ES module; data-wasm-src the zxing reader .wasm
 *   data-resolve-url  where a code leads (mode "open"); data-scan-url where to post (stocktake)
 *   data-csrf-token   sent as X-CSRFToken with each post; data-place the stocktake's place
 * A typed tag or a USB barcode scanner (which types and presses Enter) uses the
 * [data-scanner-form] form; without this script that form still works as a plain form.
 */

const SCAN_EVERY_MS = 100;
const SAME_CODE_QUIET_MS = 4000;
const FORMATS = ["qr_code", "code_128", "code_39", "ean_13", "data_matrix"];
const CAMERA_KEY = "scanner.camera";

class Scanner {
  constructor(root) {
    this.root = root;
    this.mode = root.dataset.mode;
    this.video = root.querySelector("[data-scanner-video]");
    this.view = root.querySelector("[data-scanner-view]");
    this.startButton = root.querySelector("[data-scanner-start]");
    this.stopButton = root.querySelector("[data-scanner-stop]");
    this.cameraSelect = root.querySelector("[data-scanner-camera]");
    this.torchButton = root.querySelector("[data-scanner-torch]");
    this.state = root.querySelector("[data-scanner-state]");
    this.message = document.querySelector("[data-scan-message]");
    this.form = document.querySelector("[data-scanner-form]");
    this.stream = null;
    this.track = null;
    this.wanted = false;
    this.busy = false;
    this.attempts = 0;
    this.torchOn = false;
    this.lastCode = "";
    this.lastCodeAt = 0;
  }

  start() {
    this.detector = this.loadDetector();
    this.startButton.addEventListener("click", () => this.startCamera());
    this.stopButton.addEventListener("click", () => {
      this.wanted = false;
      this.stopCamera();
    });
    this.cameraSelect.addEventListener("change", () => {
      localStorage.setItem(CAMERA_KEY, this.cameraSelect.value);
      this.startCamera(this.cameraSelect.value);
    });
    this.torchButton.addEventListener("click", () => this.toggleTorch());
    if (this.form) {
      this.form.addEventListener("submit", (event) => {
        const input = this.form.elements.code;
        event.preventDefault();
        const code = input.value;
        if (this.mode === "stocktake") input.value = "";
        this.handle(code, true);
        input.focus();
      });
      // A desk with a USB scanner: the field is ready for it. A phone: the keyboard stays away.
      if (window.matchMedia("(pointer: fine)").matches) this.form.elements.code.focus();
    }
    document.addEventListener("submit", (event) => {
      const form = event.target.closest("form[data-move-form]");
      if (!form) return;
      event.preventDefault();
      this.move(form);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) this.stopCamera();
      else if (this.wanted) this.startCamera();
    });
    window.addEventListener("pagehide", () => this.stopCamera());
    this.startCamera();
  }

  async loadDetector() {
    try {
      const zxing = await import(this.root.dataset.detectorSrc);
      const wasm = new URL(this.root.dataset.wasmSrc, window.location.href).href;
      await zxing.prepareZXingModule({
        overrides: {
          locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path),
        },
        fireImmediately: true,
      });
      return new zxing.BarcodeDetector({ formats: FORMATS });
    } catch {
      this.say("The camera scanner could not load: type the tag instead.");
      return null;
    }
  }

  async startCamera(deviceId) {
    this.stopCamera();
    this.wanted = true;
    // A later start or a stop while this one awaits the camera makes this one give way.
    const attempt = ++this.attempts;
    const current = () => this.wanted && attempt === this.attempts;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.say("This browser cannot use a camera here: type the tag instead.");
      return;
    }
    const remembered = deviceId || localStorage.getItem(CAMERA_KEY);
    const video = remembered
      ? { deviceId: { ideal: remembered } }
      : { facingMode: { ideal: "environment" } };
    video.width = { ideal: 1280 };
    video.height = { ideal: 720 };
    this.say("Starting the camera\u2026");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (error) {
      this.wanted = false;
      this.say(cameraProblem(error));
      return;
    }
    if (!current()) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.stream = stream;
    this.track = stream.getVideoTracks()[0];
    this.video.srcObject = stream;
    this.view.hidden = false;
    this.startButton.hidden = true;
    this.stopButton.hidden = false;
    try {
      await this.video.play();
    } catch {
      // Autoplay of a muted inline video is allowed; a refusal leaves the frames readable.
    }
    if (!current()) return;
    await this.listCameras();
    if (!current()) return;
    this.offerTorch();
    this.say("Point the camera at an asset label.");
    this.scanFrames(current);
  }

  stopCamera() {
    this.attempts += 1;
    clearTimeout(this.timer);
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.track = null;
    this.torchOn = false;
    this.video.srcObject = null;
    this.view.hidden = true;
    this.startButton.hidden = false;
    this.stopButton.hidden = true;
    this.torchButton.hidden = true;
  }

  async listCameras() {
    let cameras = [];
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      cameras = devices.filter((device) => device.kind === "videoinput");
    } catch {
      return;
    }
    this.cameraSelect.replaceChildren(
      ...cameras.map((camera, index) => new Option(camera.label || `Camera ${index + 1}`, camera.deviceId)),
    );
    const current = this.track && this.track.getSettings().deviceId;
    if (current) this.cameraSelect.value = current;
    this.cameraSelect.hidden = cameras.length < 2;
  }

  offerTorch() {
    const capabilities = this.track.getCapabilities ? this.track.getCapabilities() : {};
    this.torchButton.hidden = !capabilities.torch;
    this.torchButton.setAttribute("aria-pressed", "false");
  }

  async toggleTorch() {
    if (!this.track) return;
    try {
      await this.track.applyConstraints({ advanced: [{ torch: !this.torchOn }] });
      this.torchOn = !this.torchOn;
      this.torchButton.setAttribute("aria-pressed", String(this.torchOn));
    } catch {
      this.torchButton.hidden = true;
    }
  }

  async scanFrames(current) {
    const detector = await this.detector;
    if (!detector) return;
    // `current` is false once this camera session is stopped or replaced: its loop ends.
    const tick = async () => {
      if (!current()) return;
      if (!this.busy && this.video.readyState >= 2 && this.video.videoWidth > 0) {
        try {
          const [code] = await detector.detect(this.video);
          if (code && current()) this.seen(code.rawValue);
        } catch {
          // A frame that cannot be read: the next one will do.
        }
      }
      if (current()) this.timer = setTimeout(tick, SCAN_EVERY_MS);
    };
    tick();
  }

  seen(code) {
    // A label that stays in view is read ten times a second: it counts once, and again only
    // after it has been out of view for SAME_CODE_QUIET_MS (shown again on purpose), so the
    // last real result is not talked over by "already counted" every few seconds.
    const now = performance.now();
    const sameLabelStillInView = code === this.lastCode && now - this.lastCodeAt < SAME_CODE_QUIET_MS;
    this.lastCodeAt = now;
    if (sameLabelStillInView) return;
    this.lastCode = code;
    this.view.classList.remove("is-hit");
    void this.view.offsetWidth; // restart the highlight
    this.view.classList.add("is-hit");
    this.handle(code, false);
  }

  async handle(code, typed) {
    if (!code.trim()) return;
    if (this.busy && !typed) return;
    this.busy = true;
    try {
      if (this.mode === "stocktake") await this.count(code);
      else await this.open(code);
    } catch {
      this.show("The scan could not be sent: check the connection, then scan again.", "danger");
      this.lastCode = "";
    } finally {
      this.busy = false;
    }
  }

  async open(code) {
    const url = new URL(this.root.dataset.resolveUrl, window.location.href);
    url.searchParams.set("code", code);
    const reply = await getJson(url);
    if (reply.found) {
      this.say(`Opening ${reply.tag}\u2026`);
      this.wanted = false;
      this.stopCamera();
      window.location.assign(reply.url);
      return;
    }
    this.show(reply.message, "warning");
  }

  async count(code) {
    const reply = await postJson(this.root.dataset.scanUrl, { code }, this.root.dataset.csrfToken);
    this.report(reply);
    if (reply.ok && reply.result !== "again") buzz();
  }

  async move(form) {
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const reply = await postJson(form.action, { tag: form.elements.tag.value }, this.root.dataset.csrfToken);
      this.report(reply);
    } catch {
      this.show("The move could not be sent: check the connection, then try again.", "danger");
      button.disabled = false;
    }
  }

  report(reply) {
    const kind = !reply.ok ? "danger" : reply.result === "unexpected" ? "warning" : "success";
    this.show(reply.message, kind);
    if (reply.item) this.place(reply.item);
    if (reply.counts) {
      for (const [name, value] of Object.entries(reply.counts)) {
        document.querySelectorAll(`[data-count="${name}"]`).forEach((element) => {
          element.textContent = value;
        });
      }
    }
  }

  place(item) {
    const listName = item.outcome === "pending" ? "not_found" : item.outcome;
    const list = document.querySelector(`[data-list="${listName}"]`);
    if (!list) return;
    document.querySelectorAll(`[data-list] [data-tag="${CSS.escape(item.tag)}"]`).forEach((old) => old.remove());
    const row = this.row(item);
    list.prepend(row);
    row.classList.add("is-new");
  }

  row(item) {
    const row = element("li", "list-group-item stocktake-item");
    row.dataset.tag = item.tag;
    const link = element("a", "fw-semibold", item.tag);
    link.href = item.asset_url;
    row.append(link, " ", element("span", "", item.name));
    if (item.outcome !== "unexpected") return row;
    const why = element("div", "small text-body-secondary", sentence(item.why));
    why.dataset.why = "";
    row.append(why);
    const place = this.root.dataset.place;
    if (item.move_url) {
      const form = element("form", "mt-1");
      form.method = "post";
      form.action = item.move_url;
      form.dataset.moveForm = "";
      form.append(
        hidden("csrf_token", this.root.dataset.csrfToken),
        hidden("tag", item.tag),
        element("button", "btn btn-sm btn-outline-primary", `Move to ${place}`),
      );
      row.append(form);
    } else if (item.moved) {
      const moved = element("div", "small text-success", `Moved to ${place}.`);
      moved.dataset.moved = "";
      row.append(moved);
    }
    if (item.check_in_url) {
      const label = `Check in from ${item.holder}`;
      const checkIn = element("a", "btn btn-sm btn-outline-primary mt-1", label);
      checkIn.href = item.check_in_url;
      checkIn.dataset.checkIn = "";
      row.append(checkIn);
    }
    return row;
  }

  show(text, kind) {
    if (!this.message) return;
    this.message.className = `alert py-2 alert-${kind}`;
    this.message.textContent = text;
    this.message.hidden = false;
  }

  say(text) {
    this.state.textContent = text;
  }
}

function cameraProblem(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Camera access is not allowed: allow it in the browser's settings, or type the tag.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera was found: type the tag, or use a USB scanner.";
    case "NotReadableError":
      return "The camera is busy in another app: close that app, then press \u201cUse the camera\u201d.";
    default:
      return "The camera could not start: type the tag instead.";
  }
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  return readJson(response);
}

async function postJson(url, body, csrfToken) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
  });
  return readJson(response);
}

async function readJson(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("application/json")) {
    // Logged out (a login page came back) or refused: the page itself will say why.
    window.location.reload();
    return new Promise(() => {});
  }
  return response.json();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function hidden(name, value) {
  const input = element("input");
  input.type = "hidden";
  input.name = name;
  input.value = value;
  return input;
}

function sentence(text) {
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : "";
}

function buzz() {
  if (navigator.vibrate && navigator.userActivation && navigator.userActivation.hasBeenActive) {
    navigator.vibrate(60);
  }
}

const root = document.querySelector("[data-scanner]");
if (root) new Scanner(root).start();
