/** `dialog`: records error boxes (the only dialog usable before the app is ready). */
export const dialog = {
  errorBoxes: [] as Array<{ title: string; content: string }>,
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  },
};
