import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

afterEach(() => {
  cleanup();
});

// findBy* waits up to 1 s by default: too short for a first render on a busy 2-core machine.
configure({ asyncUtilTimeout: 5_000 });

if (typeof window !== "undefined") {
  // Mantine reads these browser APIs, which jsdom lacks.
  Object.defineProperty(window, "matchMedia", {
    writable: true,
    value: vi.fn().mockImplementation((query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: vi.fn(),
      removeListener: vi.fn(),
      addEventListener: vi.fn(),
      removeEventListener: vi.fn(),
      dispatchEvent: vi.fn(),
    })),
  });
  class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  window.ResizeObserver = ResizeObserver;
  // A Textarea that grows with its text listens for fonts loading.
  if (!document.fonts) {
    Object.defineProperty(document, "fonts", { value: { addEventListener: vi.fn(), removeEventListener: vi.fn() } });
  }
  window.HTMLElement.prototype.scrollIntoView = () => {};
  Object.defineProperty(window, "getComputedStyle", { value: window.getComputedStyle, writable: true });

  // The app's client uses relative URLs (same origin); Node's Request, which jsdom tests get,
  // needs absolute ones, and rejects jsdom's AbortSignal.
  const NodeRequest = globalThis.Request;
  globalThis.Request = class extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      const url = typeof input === "string" && input.startsWith("/") ? new URL(input, window.location.href).toString() : input;
      const { signal: _signal, ...rest } = init ?? {};
      super(url, rest);
    }
  } as typeof Request;
}
