'use client';

import { useEffect, useId, useRef, type ReactNode } from 'react';

type DialogProps = {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** Wider dialogs for forms with two columns. */
  size?: 'sm' | 'md' | 'lg';
  testId?: string;
  /** False for a step the user must complete (first-login password): no close button, Escape ignored. */
  isDismissible?: boolean;
};

const WIDTH = { sm: 'w-[26rem]', md: 'w-[34rem]', lg: 'w-[44rem]' };

/**
 * A modal built on the native <dialog>: showModal() makes the rest of the page inert (the focus
 * trap), puts the dialog in the top layer, and turns Escape into a `cancel` event — all without a
 * library, and with the browser's own accessibility semantics.
 */
export function Dialog({ open, onClose, title, description, children, size = 'md', testId, isDismissible = true }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  // The latest onClose, for the native listeners, without re-running the open/close effect.
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      // showModal() focuses the first focusable element — the close button. Start on the first
      // field instead (or on whatever the content marks with data-autofocus).
      const first = dialog.querySelector<HTMLElement>('[data-autofocus], input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])');
      first?.focus();
      return () => {
        if (dialog.open) dialog.close();
        // Back to where the operator was, so keyboard work continues from the same row.
        opener?.focus();
      };
    }
    return undefined;
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onCloseRef.current();
      }}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> element itself.
        if (event.target === ref.current && isDismissible) onCloseRef.current();
      }}
      className={`m-auto max-h-[90vh] max-w-[calc(100vw-2rem)] overflow-y-auto rounded-lg border border-zinc-300 bg-white p-0 text-zinc-900 shadow-xl ${WIDTH[size]}`}
    >
      {open ? (
        <div className="flex flex-col">
          <header className="flex items-start justify-between gap-4 border-b border-zinc-200 px-5 pt-4 pb-3">
            <div>
              <h2 id={titleId} className="text-base font-semibold">
                {title}
              </h2>
              {description ? (
                <div id={descriptionId} className="mt-0.5 text-xs text-zinc-500">
                  {description}
                </div>
              ) : null}
            </div>
            {isDismissible ? (
              <button type="button" onClick={() => onCloseRef.current()} className="-mr-1 rounded px-1.5 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-800" aria-label="Close dialog">
                ✕
              </button>
            ) : null}
          </header>
          <div className="px-5 py-4">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}

/** The button row at the bottom of a dialog form. */
export function DialogActions({ children }: { children: ReactNode }) {
  return <div className="-mx-5 mt-5 -mb-4 flex justify-end gap-2 border-t border-zinc-200 bg-zinc-50 px-5 py-3">{children}</div>;
}
