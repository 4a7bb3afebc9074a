// Server rendering: the page's HTML already holds the list, loaded for the request's user.
import { todos } from '$live/todos';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({ todos: await todos.load(event) });
