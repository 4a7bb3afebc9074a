import type { PageServerLoad } from './$types';

// This page's key among the board's presence and cursor entries when signed in (`user:<id>`,
// the same in every tab); a guest is keyed by its socket, known once the socket opens.
export const load: PageServerLoad = ({ locals }) => ({ me: locals.user ? `user:${locals.user.id}` : null });
