/**
 * The zone manager's notifications on their page: the shell's live panel (`../../notifications-view.ts`),
 * which follows the session's notification stream.
 */
export { notificationsPanel } from '../../notifications-view.ts';
