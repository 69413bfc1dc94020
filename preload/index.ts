/**
 * Preload: runs sandboxed before the renderer and exposes exactly one object.
 *
 * Bundled as a single CommonJS file (the Electron sandbox allows `require('electron')` only).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createSwitchboardApi } from './api';

contextBridge.exposeInMainWorld('switchboard', createSwitchboardApi(ipcRenderer));
