import { useRef, useState, type DragEvent, type ReactNode } from 'react';

interface DropZoneProps {
  /** Receives the DataTransfer synchronously inside the drop event (folders must be read there). */
  onDrop: (dataTransfer: DataTransfer) => void;
  children: ReactNode;
  label: string;
  className?: string;
  testId?: string;
  disabled?: boolean;
}

/** An area that accepts dropped files and folders; the buttons inside it are the keyboard path. */
export function DropZone({ onDrop, children, label, className, testId, disabled }: DropZoneProps) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}${disabled ? ' dropzone-disabled' : ''} ${className ?? ''}`}
      data-testid={testId}
      role="group"
      aria-label={label}
      onDragEnter={(e) => {
        if (!hasFiles(e) || disabled) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e) || disabled) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        if (!disabled) onDrop(e.dataTransfer);
      }}
    >
      {children}
    </div>
  );
}
