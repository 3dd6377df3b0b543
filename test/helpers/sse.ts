// Reading Server-Sent Events in tests.

/** Reads SSE frames from a fetch response until `count` frames of `kind` arrived. */
export async function readFrames(
  res: Response,
  kind: string,
  count: number,
): Promise<{ id?: string; data: any; text: string }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: { id?: string; data: any; text: string }[] = [];
  while (frames.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        frame
          .split('\n')
          .filter((l) => !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      );
      if (fields.event === kind)
        frames.push({ id: fields.id, data: JSON.parse(fields.data!), text: fields.data! });
    }
  }
  await reader.cancel();
  return frames;
}
