/** `shell`: records what main asked the OS to open. */
export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  },
  openPath(_path: string): Promise<string> {
    return Promise.resolve('');
  },
};
