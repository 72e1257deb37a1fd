/**
 * `Fn::ForEach` loops (AWS::LanguageExtensions). CloudFormation runs transforms in the order the template lists
 * them, and a template-level macro gets the whole template except its Transform section. When
 * AWS::LanguageExtensions comes after the macro, the macro sees each loop unexpanded: a resource template inside an
 * array, with `${Identifier}` in its logical ID and values. Listed first, AWS::LanguageExtensions hands the macro
 * the expanded resources, which it handles like any other.
 *
 * So a loop that holds something the macro must act on (a function that gets topic variables, a schedule to check)
 * is refused with the order that works; a loop that holds nothing for the macro is left as it is.
 */
import { MacroError } from './errors';
import { type Fragment, isForEachKey } from './fragment';
import { isObject, own, ownMap } from './json';
import { CHECKED_EVENT_TYPES, resourceSites, SAM_EVENT_SOURCES } from './schedules';

/** What to write instead. */
export function forEachOrderHint(macroName: string): string {
  return `list AWS::LanguageExtensions before ${macroName} so that the macro sees the expanded resources: Transform: [AWS::LanguageExtensions, ${macroName}, AWS::Serverless-2016-10-31]`;
}

/** A resource template found inside a loop: the loop's key, the templated logical ID, the resource. */
export type LoopResource = { loop: string; id: string; resource: unknown };

/** Every resource template inside the template's Fn::ForEach loops, nested loops included. */
export function loopResources(fragment: Fragment): LoopResource[] {
  const found: LoopResource[] = [];
  const stack: [string, unknown][] = fragment.loops();
  while (stack.length > 0) {
    const [loop, value] = stack.pop() as [string, unknown];
    const body = Array.isArray(value) ? value[2] : undefined;
    if (!isObject(body)) continue;
    for (const [id, res] of Object.entries(body)) {
      if (isForEachKey(id)) stack.push([`${loop}.${id}`, res]);
      else found.push({ loop, id, resource: res });
    }
  }
  return found;
}

/** SAM events declared inside Fn::ForEach loops of an Events map. */
function loopEvents(events: unknown): { loop: string; id: string; event: unknown }[] {
  const found: { loop: string; id: string; event: unknown }[] = [];
  const stack: [string, unknown][] = Object.entries(isObject(events) ? events : {}).filter(([k]) => isForEachKey(k));
  while (stack.length > 0) {
    const [loop, value] = stack.pop() as [string, unknown];
    const body = Array.isArray(value) ? value[2] : undefined;
    if (!isObject(body)) continue;
    for (const [id, ev] of Object.entries(body)) {
      if (isForEachKey(id)) stack.push([`${loop}.${id}`, ev]);
      else found.push({ loop, id, event: ev });
    }
  }
  return found;
}

/**
 * Refuses loops the macro cannot see into when they hold what it must act on. `getsTopics` says whether a resource
 * found in a loop would get topic variables (a target with a non-empty map).
 */
export function checkLoops(fragment: Fragment, getsTopics: (id: string, resource: unknown) => boolean): void {
  const hint = forEachOrderHint(fragment.macroName);
  for (const { loop, id, resource } of loopResources(fragment)) {
    if (getsTopics(id, resource)) {
      throw new MacroError(
        `Resources.${loop}: the ${String(own(resource, 'Type'))} ${id} in this loop would get topic variables and sns:Publish, but AWS::LanguageExtensions expands Fn::ForEach only after the ${fragment.macroName} macro; ${hint}`,
      );
    }
    if (resourceSites(id, resource).length > 0) {
      throw new MacroError(
        `Resources.${loop}: ${id} in this loop has a schedule or target Input to check, but AWS::LanguageExtensions expands Fn::ForEach only after the ${fragment.macroName} macro; ${hint}`,
      );
    }
  }
  for (const [resId, res] of fragment.resources()) {
    if (!SAM_EVENT_SOURCES.has(own(res, 'Type') as string)) continue;
    const events = own(ownMap(res, 'Properties'), 'Events');
    for (const { loop, id, event } of loopEvents(events)) {
      if (CHECKED_EVENT_TYPES.has(own(event, 'Type') as string)) {
        throw new MacroError(
          `${resId}: the ${String(own(event, 'Type'))} event ${id} in Events.${loop} cannot be checked, because AWS::LanguageExtensions expands Fn::ForEach only after the ${fragment.macroName} macro; ${hint}`,
        );
      }
    }
  }
}
