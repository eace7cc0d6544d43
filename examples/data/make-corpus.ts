// Writes examples/data/fables.txt: short animal fables generated from a small grammar with a
// fixed seed, the text the GPT demo learns. Generated rather than copied, so it ships with no
// licence question and the same bytes come out on every machine.
// Run: npx tsx examples/data/make-corpus.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seededRandom } from "adjoint";

const rand = seededRandom(2024);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((rand() + 1) / 2) * xs.length)];
const chance = (p: number) => (rand() + 1) / 2 < p;

const animals = ["fox", "crow", "hare", "tortoise", "lion", "mouse", "wolf", "lamb", "ant", "grasshopper", "owl", "frog", "goat", "bear", "cat", "dog"];
const names = ["Tom", "Anna", "Bruno", "Clara", "Pip", "Rosa", "Felix", "Mona"];
const adjectives = ["old", "little", "clever", "proud", "hungry", "lazy", "brave", "kind", "quick", "sleepy", "greedy", "wise"];
const places = ["forest", "river", "hill", "meadow", "barn", "garden", "well", "field", "village", "pond"];
const things = ["cheese", "bread", "apple", "bone", "nut", "grape", "honey", "seed", "pear", "fish"];
const times = ["One morning", "Long ago", "One cold winter", "In the spring", "One summer evening", "At dawn", "Late at night"];
const moods = ["happy", "sad", "angry", "afraid", "tired", "glad", "sorry"];
const morals = [
  "Slow and steady wins the race.",
  "A friend in need is a friend indeed.",
  "Do not count your eggs before they hatch.",
  "Pride comes before a fall.",
  "Little friends may prove great friends.",
  "It is wise to prepare for the days of need.",
  "Look before you leap.",
  "Kindness is never wasted.",
  "Do not trust a flatterer.",
  "Greed often loses all.",
];

const a = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

function character(): { name: string; animal: string; full: string } {
  const animal = pick(animals);
  const adj = pick(adjectives);
  if (!chance(0.4)) return { name: `the ${animal}`, animal, full: `${a(adj)} ${animal}` };
  const name = pick(names);
  return { name, animal, full: `${name} the ${adj} ${animal}` };
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

function fable(): string {
  const hero = character();
  let other = character();
  while (other.animal === hero.animal) other = character();
  const place = pick(places), thing = pick(things);
  const lines = [
    `${pick(times)}, ${hero.full} lived near the ${place}.`,
    pick([
      `${capital(hero.name)} found ${a(thing)} by the ${pick(places)}.`,
      `${capital(hero.name)} was ${pick(moods)}, for there was no ${thing} left.`,
      `Every day ${hero.name} went to the ${pick(places)} to look for ${thing}.`,
    ]),
    `Then ${other.full} came by and said, "${pick([
      `Good day, friend! Will you share your ${thing} with me?`,
      `Why are you so ${pick(moods)}?`,
      `I know where to find more ${thing}.`,
      `Come with me to the ${pick(places)}.`,
    ])}"`,
    pick([
      `${capital(hero.name)} laughed and ran away.`,
      `${capital(hero.name)} thought for a while and said yes.`,
      `But ${hero.name} was too ${pick(adjectives)} to listen.`,
      `So the two of them went to the ${pick(places)} together.`,
    ]),
  ];
  if (chance(0.5)) lines.push(`In the end ${other.name} was ${pick(moods)} and ${hero.name} was ${pick(moods)}.`);
  lines.push(`Moral: ${pick(morals)}`);
  return lines.join("\n");
}

const out: string[] = [];
let bytes = 0;
while (bytes < 120_000) {
  const f = fable();
  out.push(f);
  bytes += f.length + 2;
}
const file = fileURLToPath(new URL("./fables.txt", import.meta.url));
writeFileSync(file, out.join("\n\n") + "\n");
console.log(`wrote ${out.length} fables, ${bytes} bytes to ${file}`);
