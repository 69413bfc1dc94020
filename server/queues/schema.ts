/** Moved to common/ so the console's queue form uses the same schema; kept here for the server's imports. */
export * from '../../common/queue-settings';
