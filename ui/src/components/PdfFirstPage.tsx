// The first page of a PDF drawn on a canvas by pdf.js: the print dialog's preview, so an officer
// sees the booklet as it will print before sending thousands of them to the printer.
//
// pdf.js is loaded on first use (it is as large as the rest of the UI), from the legacy build,
// which WebKitGTK runs; its worker ships with the app (`?url`: a file of ours, allowed by the
// CSP's `script-src 'self'`). Glyphs are drawn as paths (`disableFontFace`) without `eval`, so
// neither font-src nor unsafe-eval needs loosening.
/// <reference types="vite/client" />
import { useEffect, useRef, useState } from "react";
import { Alert, Spin } from "antd";
import workerUrl from "pdfjs-dist/legacy/build/pdf.worker.min.mjs?url";

export default function PdfFirstPage({ data, width = 560 }: { data: ArrayBuffer; width?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [pages, setPages] = useState<number | null>(null);

  useEffect(() => {
    let stopped = false;
    let destroy: (() => Promise<void>) | null = null;
    setError(null);
    setPages(null);
    (async () => {
      const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
      pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
      // pdf.js takes the buffer over: give it a copy, the caller may show it again.
      const task = pdfjs.getDocument({ data: new Uint8Array(data.slice(0)), isEvalSupported: false, disableFontFace: true });
      destroy = () => task.destroy();
      const doc = await task.promise;
      const page = await doc.getPage(1);
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: (width / page.getViewport({ scale: 1 }).width) * ratio });
      const c = canvas.current;
      if (stopped || !c) return;
      c.width = Math.floor(viewport.width);
      c.height = Math.floor(viewport.height);
      c.style.width = `${width}px`;
      c.style.height = `${Math.floor(viewport.height / ratio)}px`;
      const context = c.getContext("2d");
      if (!context) throw new Error("canvas 2d");
      await page.render({ canvasContext: context, viewport }).promise;
      if (!stopped) setPages(doc.numPages);
    })().catch((e) => {
      if (!stopped) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      stopped = true;
      void destroy?.().catch(() => {});
    };
  }, [data, width]);

  if (error) return <Alert type="error" showIcon message={`无法显示预览：${error}`} />;
  return (
    <div data-testid="pdf-first-page" data-pages={pages ?? ""}>
      {pages === null && (
        <div style={{ textAlign: "center", margin: 24 }}>
          <Spin /> 正在绘制预览…
        </div>
      )}
      <canvas ref={canvas} style={{ border: "1px solid #d9d9d9", display: pages === null ? "none" : "block" }} />
      {pages !== null && <div style={{ marginTop: 8, color: "rgba(0,0,0,0.45)" }}>第 1 页，共 {pages} 页</div>}
    </div>
  );
}
