import { live } from '../../../../../runtime/server/index.js';

export const cards = live.stream(
  (_ctx, boardId: string) => `board:${boardId}`,
  (_ctx, boardId: string) => [{ id: `${boardId}-1`, title: `first card of ${boardId}` }]
);

export const addCard = live((ctx, boardId: string, title: string) => {
  const card = { id: `${boardId}-${title}`, title };
  ctx.publish(`board:${boardId}`, 'created', card);
  return card;
});
